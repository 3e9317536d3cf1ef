import { describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import type { IngestProgress } from "./options.js";
import { tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

describe("progress", () => {
  it("moves as a round reads one large part file, not only when the file is done", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 400, trialsPerRun: 100 }));
    const seen: IngestProgress[] = [];
    const indexer = track(
      await openIndexer({ root, batchBytes: 1024 * 1024, onProgress: (p) => seen.push({ ...p }) }),
    );
    const report = await indexer.rebuild();
    const total = seen[0]?.bytesTotal ?? 0;
    expect(total).toBeGreaterThan(10 * 1024 * 1024);
    expect(seen.every((p) => p.bytesTotal === total)).toBe(true);
    const done = seen.map((p) => p.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.filter((d) => d > 0 && d < total).length).toBeGreaterThanOrEqual(2);
    expect(done.at(-1)).toBe(report.bytes);
    expect(report.bytes).toBe(total);
  });
});
