import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { followLog, type LogProblem, readLog } from "./reader.js";
import { spawnAppender } from "./test-support/spawn-child.js";
import { tempRoot, trial } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A log of one event, and the path and bytes of a second part holding it gzipped (not written). */
async function oneEventAndItsPart() {
  const root = tempRoot();
  const writer = await openWriter({ root, clock: () => Date.parse("2026-01-22T00:00:00Z") });
  const a = await writer.append(trial("r1", 1));
  await writer.close();
  const file = join(root, "events", a.position!.file);
  return {
    root,
    a,
    file,
    part: `${file.replace("000001", "000002")}.gz`,
    gzipped: gzipSync(readFileSync(file)),
  };
}

describe("readLog", () => {
  it("streams events in log order, filtered by day range, run and type", async () => {
    const root = tempRoot();
    let now = Date.parse("2026-01-22T12:00:00Z");
    const writer = await openWriter({ root, clock: () => now });
    for (const day of ["2026-01-22", "2026-01-23", "2026-01-24"]) {
      now = Date.parse(`${day}T12:00:00Z`);
      await writer.append(trial("r1", 1));
      await writer.append(trial("r2", 1));
      await writer.append({ event_type: "run.started", run_id: "r1" });
    }
    await writer.close();
    expect(await collect(readLog({ root }))).toHaveLength(9);
    const r1 = await collect(readLog({ root, runId: "r1", types: ["trial.recorded"] }));
    expect(r1.map((r) => r.event.seq)).toEqual([1, 3, 5]);
    const days = await collect(readLog({ root, fromDay: "2026-01-23", toDay: "2026-01-23" }));
    expect(days.map((r) => r.position.file)).toEqual(Array(3).fill("day=2026-01-23/part-000001.jsonl"));
  });

  it("reads .jsonl.gz like .jsonl, and reports torn, invalid and oversized lines instead of throwing", async () => {
    const { root, a, file, part, gzipped } = await oneEventAndItsPart();
    writeFileSync(part, gzipped);
    appendFileSync(file, `not json\n{"x":"${"y".repeat(2000)}"}\n{"event_type":"nope.nope"}\n{"torn`);
    const problems: LogProblem[] = [];
    const events = await collect(readLog({ root, maxLineBytes: 1024, onProblem: (p) => problems.push(p) }));
    expect(events.map((e) => e.event.event_id)).toEqual([a.event.event_id, a.event.event_id]);
    expect(problems.map((p) => p.kind)).toEqual(["invalid", "too-large", "invalid", "torn"]);
    expect(problems[2]!.reason).toContain('unknown event type "nope.nope"');
  });

  it("reports a .jsonl.gz part that is not gzip, or cut short, by name, and reads the other parts", async () => {
    const { root, a, part, gzipped } = await oneEventAndItsPart();
    for (const bad of [Buffer.from("not gzip at all\n"), gzipped.subarray(0, gzipped.length - 12)]) {
      writeFileSync(part, bad);
      const problems: LogProblem[] = [];
      const events = await collect(readLog({ root, onProblem: (p) => problems.push(p) }));
      expect(events.map((e) => e.event.event_id)).toEqual([a.event.event_id]);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.reason).toContain(`${part} is not readable gzip`);
    }
  });

  it("returns nothing for a root with no log yet", async () => {
    expect(await collect(readLog({ root: join(tempRoot(), "missing") }))).toEqual([]);
  });
});

describe("followLog", () => {
  it("yields events another process appends, to existing files and new ones", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    await writer.append(trial("seed", 1));
    await writer.close();
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const r of followLog({ root, signal: controller.signal, pollMs: 50 })) {
        seen.push(r.event.run_id as string);
        if (seen.length === 1 + 300) controller.abort();
      }
    })();
    const child = spawnAppender(root, "child", 300, 4);
    expect(await child.exited).toBe(0);
    await Promise.race([
      following,
      new Promise((_, reject) => setTimeout(() => reject(new Error("follow timed out")), 20_000)),
    ]);
    expect(seen[0]).toBe("seed");
    expect(seen.filter((r) => r === "child")).toHaveLength(300);
  });

  it("starts at the end when asked, and stops on abort", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    await writer.append(trial("old", 1));
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const r of followLog({ root, signal: controller.signal, pollMs: 20, fromEnd: true })) {
        seen.push(r.event.run_id as string);
        controller.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await writer.append(trial("new", 1));
    await following;
    await writer.close();
    expect(seen).toEqual(["new"]);
  });

  it("holds a line appended in pieces until its newline arrives, then yields it once", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    const { position } = await writer.append(trial("first", 1));
    await writer.close();
    const file = join(root, "events", position!.file);
    const controller = new AbortController();
    const seen: string[] = [];
    const problems: LogProblem[] = [];
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => {
      caughtUp = r;
    });
    const following = (async () => {
      for await (const r of followLog({
        root,
        signal: controller.signal,
        pollMs: 20,
        onCaughtUp: () => caughtUp(),
        onProblem: (p) => problems.push(p),
      })) {
        seen.push(r.event.run_id as string);
        if (seen.length === 2) controller.abort();
      }
    })();
    await ready;
    const line = readFileSync(file, "utf8").replace(/"first"/, '"second"');
    appendFileSync(file, line.slice(0, 40));
    await new Promise((r) => setTimeout(r, 120)); // several live reads see only the partial line
    expect(seen).toEqual(["first"]);
    appendFileSync(file, line.slice(40));
    await following;
    expect(seen).toEqual(["first", "second"]);
    expect(problems).toEqual([]);
  });
});
