import * as fs from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IndexMissingError, IndexQueryError } from "./errors.js";
import { openIndexer } from "./indexer.js";
import { type IndexReader, openIndexReader } from "./reader.js";
import { tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

const counts = `SELECT (SELECT count(*) FROM runs_d)::INTEGER AS runs,
  (SELECT count(*) FROM catalog.run_pointers)::INTEGER AS pointers`;

/** Inodes of the files this process has open: which published files a reader holds. */
function openInodes(): Set<number> {
  const inodes = new Set<number>();
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    const st = fs.statSync(`/proc/self/fd/${fd}`, { throwIfNoEntry: false });
    if (st) inodes.add(st.ino);
  }
  return inodes;
}

describe("a reader that keeps its instance", () => {
  it("reads each new publication, with the catalog attached, and lets go of replaced files on release", async () => {
    const root = tempRoot();
    const published = join(root, "index", "runs.duckdb");
    const indexer = track(await openIndexer({ root }));
    const reader: IndexReader = openIndexReader({ root, keepInstance: true });
    try {
      await expect(reader.query("SELECT 1")).rejects.toBeInstanceOf(IndexMissingError);
      writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 2, prefix: "a" }));
      await indexer.update();
      expect(await reader.query(counts)).toEqual([{ runs: 3, pointers: 3 }]);
      const first = fs.statSync(published).ino;
      writeLog(
        root,
        backtestEvents({ runs: 2, trialsPerRun: 2, prefix: "b", startMs: Date.UTC(2026, 0, 6) }),
      );
      await indexer.update();
      expect(fs.statSync(published).ino).not.toBe(first);
      if (process.platform === "linux") {
        expect(openInodes().has(first)).toBe(true);
        await reader.release();
        expect(openInodes().has(first)).toBe(false);
      }
      // Queries at once run in turn, on the newest publication.
      const [a, b] = await Promise.all([reader.query(counts), reader.query(counts)]);
      expect([a, b]).toEqual([[{ runs: 5, pointers: 5 }], [{ runs: 5, pointers: 5 }]]);
      const newest = fs.statSync(published).ino;
      // Holding only the newest: kept, until `all`.
      await reader.release();
      if (process.platform === "linux") expect(openInodes().has(newest)).toBe(true);
      await reader.release({ all: true });
      if (process.platform === "linux") expect(openInodes().has(newest)).toBe(false);
      expect(await reader.query(counts)).toEqual([{ runs: 5, pointers: 5 }]);
    } finally {
      reader.close();
    }
  });

  it("is refused with indexOnly, which forbids attaching files", () => {
    expect(() => openIndexReader({ root: tempRoot(), keepInstance: true, indexOnly: true })).toThrow(
      IndexQueryError,
    );
  });
});
