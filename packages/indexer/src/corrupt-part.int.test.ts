import * as fs from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import { indexDigest } from "./test-support/index-digest.js";
import { reader, rebuiltDigest, tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

describe("a corrupt gzip part", () => {
  it("fails the round with an error naming the part, loses nothing indexed, and the round after it is moved away catches up", async () => {
    const root = tempRoot();
    // Small batches, and a plain part over the 4 MB the scan reads at a time: a batch of it is
    // handed to DuckDB before its end, and may still be folding when the corrupt part fails.
    const indexer = track(await openIndexer({ root, batchBytes: 64 * 1024 }));
    const first = writeLog(root, backtestEvents({ runs: 4, trialsPerRun: 50, prefix: "a" }), "2026-01-05");
    await indexer.update();
    const second = writeLog(
      root,
      backtestEvents({ runs: 8, trialsPerRun: 3_000, prefix: "b", startMs: Date.UTC(2026, 0, 6, 12) }),
      "2026-01-06",
    );
    const corrupt = join(root, "events", "day=2026-01-07", "part-000001.jsonl.gz");
    fs.mkdirSync(join(root, "events", "day=2026-01-07"), { recursive: true });
    fs.writeFileSync(corrupt, "this is not gzip\n".repeat(100));
    expect(fs.statSync(join(root, "events", "day=2026-01-06", "part-000001.jsonl")).size).toBeGreaterThan(
      5e6,
    );

    const failure = await indexer.update().then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(failure?.code).toBe("LEDGER_CORRUPT_PART");
    expect(failure?.message).toContain("day=2026-01-07/part-000001.jsonl.gz is not readable gzip");
    expect(failure?.message).not.toContain("\n");

    fs.rmSync(corrupt);
    const report = await indexer.update();
    expect(report.published).toBe(true);
    const r = reader(root);
    try {
      const [row] = await r.query("SELECT count(*) AS n FROM event_pointers");
      expect(Number(row?.n)).toBe(first + second);
      expect(await indexDigest(r)).toEqual(await rebuiltDigest(root));
    } finally {
      r.close();
    }
  });
});
