import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateEvent } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { type LogProblem, readLog } from "./reader.js";
import { spawnAppender } from "./test-support/spawn-child.js";
import { partFiles, tempRoot } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

describe("several OS processes", () => {
  it("4 processes x 10,000 events: each present once, every line valid, no file written by two processes", async () => {
    const root = tempRoot();
    // Each child takes a part with its first append, then waits for the barrier, so all four are
    // alive and appending at the same time: none can finish early and hand its part to another.
    const barrier = join(root, "go");
    const children = [0, 1, 2, 3].map((p) => spawnAppender(root, `proc-${p}`, 10_000, 32, "fsync", barrier));
    while (children.some((c) => c.acked.length === 0 && c.process.exitCode === null))
      await new Promise((r) => setTimeout(r, 10));
    writeFileSync(barrier, "");
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0, 0, 0]);
    const ids = new Map<string, number>();
    for (const file of partFiles(root)) {
      const runs = new Set<unknown>();
      const text = readFileSync(join(root, "events", file), "utf8");
      expect(text.endsWith("\n")).toBe(true);
      for (const line of text.slice(0, -1).split("\n")) {
        const event = JSON.parse(line);
        expect(validateEvent(event).ok).toBe(true);
        runs.add(event.run_id);
        ids.set(event.event_id, (ids.get(event.event_id) ?? 0) + 1);
      }
      expect(runs.size, `${file} written by ${[...runs].join(", ")}`).toBe(1);
    }
    expect(ids.size).toBe(40_000);
    expect([...ids.values()].every((n) => n === 1)).toBe(true);
    for (const c of children) expect(c.acked.every((id) => ids.has(id))).toBe(true);
  }, 120_000);

  it("SIGKILL at random moments loses no acknowledged event and no reader sees a corrupt line", async () => {
    const root = tempRoot();
    const acked: string[] = [];
    const kills = 24;
    for (let k = 0; k < kills; k += 2) {
      // Two at a time, so a killed writer's part is taken over by a live one as well as by the next.
      const pair = [spawnAppender(root, `crash-${k}`, 0, 16), spawnAppender(root, `crash-${k + 1}`, 0, 16)];
      await Promise.all(
        pair.map(async (c) => {
          while (c.acked.length === 0) await new Promise((r) => setTimeout(r, 5));
          await new Promise((r) => setTimeout(r, Math.random() * 150));
          c.process.kill("SIGKILL");
          await c.exited;
          acked.push(...c.acked);
        }),
      );
      const problems: LogProblem[] = [];
      for await (const record of readLog({ root, onProblem: (p) => problems.push(p) })) {
        expect(validateEvent(record.event).ok).toBe(true);
      }
      expect(problems.filter((p) => p.kind !== "torn")).toEqual([]);
    }
    // A writer opening after the last crash cuts every torn tail it takes over.
    const writer = await openWriter({ root });
    await writer.append({ event_type: "run.started", run_id: "after" });
    await writer.close();
    const logged = new Set<string>();
    const problems: LogProblem[] = [];
    for await (const r of readLog({ root, onProblem: (p) => problems.push(p) })) logged.add(r.event.event_id);
    const lost = acked.filter((id) => !logged.has(id));
    expect(acked.length).toBeGreaterThan(kills);
    expect(lost).toEqual([]);
    expect(problems.filter((p) => p.kind !== "torn")).toEqual([]);
  }, 180_000);
});
