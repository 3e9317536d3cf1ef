import { describe, expect, it } from "vitest";
import { encodeCursor, logicalPart, parseCursor } from "./cursor.js";
import { InvalidCursorError } from "./errors.js";
import { listLogFiles } from "./log-files.js";
import { followLog, type LogRecord } from "./reader.js";
import { compressPart } from "./retention.js";
import { tempRoot, trial } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

/** Follows the log until it is caught up, then stops. */
async function takeAll(root: string, after?: ReadonlyMap<string, number>): Promise<LogRecord[]> {
  const controller = new AbortController();
  const out: LogRecord[] = [];
  const records = followLog({
    root,
    runId: "r1",
    signal: controller.signal,
    pollMs: 20,
    ...(after ? { after } : {}),
    onCaughtUp: () => controller.abort(),
  });
  for await (const record of records) out.push(record);
  return out;
}

function cursorAfter(records: LogRecord[]): Map<string, number> {
  const cursor = new Map<string, number>();
  for (const { position } of records)
    cursor.set(logicalPart(position.file), position.offset + position.length);
  return cursor;
}

describe("log cursor", () => {
  it("round-trips through its token and refuses anything else", () => {
    const cursor = new Map([
      ["day=2026-11-30/part-000003.jsonl", 1_234_567],
      ["day=2026-01-02/part-1000000.jsonl", 0],
    ]);
    const token = encodeCursor(cursor);
    expect(token).toBe("20260102-1000000-0.20261130-3-qglj");
    expect(parseCursor(token)).toEqual(cursor);
    expect(parseCursor("")).toEqual(new Map());
    for (const bad of ["5x", "20261130-3", "2026-11-30-3-1", "20261130-3-1.", "../etc-1-1", "20261130-3-1\n"])
      expect(() => parseCursor(bad), bad).toThrow(InvalidCursorError);
  });

  it("resumes a follower exactly after what it took, across writers and a part gzipped in between", async () => {
    const root = tempRoot();
    const clock = () => Date.parse("2026-01-22T12:00:00Z");
    const [a, b] = [await openWriter({ root, clock }), await openWriter({ root, clock })];
    for (let i = 0; i < 4; i++) {
      await a.append(trial("r1", i));
      await b.append(trial("r1", 10 + i));
      await a.append(trial("other", i));
    }
    const first = await takeAll(root);
    expect(first).toHaveLength(8);
    // Both writers count from 1, so seq alone cannot say what was taken.
    expect(first.map((r) => r.event.seq).sort()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    const cursor = parseCursor(encodeCursor(cursorAfter(first.slice(0, 5))));

    await a.append(trial("r1", 4));
    await b.append(trial("r1", 14));
    await Promise.all([a.close(), b.close()]);
    for (const file of listLogFiles(`${root}/events`)) await compressPart(file);

    const rest = await takeAll(root, cursor);
    const ids = (records: LogRecord[]) => records.map((r) => r.event.event_id);
    const all = await takeAll(root);
    expect(all).toHaveLength(10);
    expect([...ids(first.slice(0, 5)), ...ids(rest)].sort()).toEqual(ids(all).sort());
  });
});
