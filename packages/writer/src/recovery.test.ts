import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RecoveryReport } from "./recovery.js";
import { tempRoot, trial } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

async function seed(root: string): Promise<string> {
  const writer = await openWriter({ root });
  const { position } = await writer.append(trial("r1", 1));
  await writer.close();
  return join(root, "events", position!.file);
}

describe("taking over a part left by a crash", () => {
  it.each([
    ["bytes after the last newline", '{"event_type":"trial.rec'],
    ["a last line that does not parse", '{"event_type":"trial.rec\0\0\0\n'],
    ["a run of NUL bytes", "\0".repeat(4096)],
  ])("quarantines %s and truncates it away, touching nothing before it", async (_name, tail) => {
    const root = tempRoot();
    const file = await seed(root);
    const clean = readFileSync(file);
    appendFileSync(file, tail);
    const reports: RecoveryReport[] = [];
    const writer = await openWriter({ root, onRecovery: (r) => reports.push(r) });
    await writer.append(trial("r1", 2));
    await writer.close();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ offset: clean.length, bytes: Buffer.byteLength(tail) });
    expect(readFileSync(reports[0]!.quarantineFile, "utf8")).toBe(tail);
    const now = readFileSync(file);
    expect(now.subarray(0, clean.length)).toEqual(clean);
    expect(
      now
        .toString()
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).trial_id),
    ).toEqual(["t-1", "t-2"]);
    expect(writer.health().recoveries).toBe(1);
    expect(readdirSync(join(root, "events", "_quarantine"))).toHaveLength(1);
  });

  it("leaves a clean file alone", async () => {
    const root = tempRoot();
    const file = await seed(root);
    const reports: RecoveryReport[] = [];
    const writer = await openWriter({ root, onRecovery: (r) => reports.push(r) });
    await writer.append(trial("r1", 2));
    await writer.close();
    expect(reports).toEqual([]);
    expect(readFileSync(file, "utf8").split("\n")).toHaveLength(3);
  });

  it("breaks the lock of a dead process but not of a live one", async () => {
    const root = tempRoot();
    const file = await seed(root);
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({
        pid: 999_999_999,
        host: (await import("node:os")).hostname(),
        start: "1",
        token: "dead",
      }),
    );
    const w1 = await openWriter({ root });
    const a = await w1.append(trial("r1", 2));
    expect(join(root, "events", a.position!.file)).toBe(file); // stale lock broken, file reused
    const w2 = await openWriter({ root });
    const b = await w2.append(trial("r1", 3));
    expect(b.position!.file).not.toBe(a.position!.file); // live lock respected
    await Promise.all([w1.close(), w2.close()]);
  });
});
