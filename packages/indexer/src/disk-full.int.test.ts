import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import { openIndexReader } from "./reader.js";
import { indexDigest } from "./test-support/index-digest.js";
import { rebuiltDigest, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

const mounts: string[] = [];

/** A real 64 MB tmpfs, so the disk fills for DuckDB and the file copies alike; null if not allowed. */
function smallDisk(): string | null {
  const dir = fs.mkdtempSync(join(tmpdir(), "ledger-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", dir], { stdio: "ignore" });
  } catch {
    fs.rmdirSync(dir);
    return null;
  }
  mounts.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of mounts.splice(0)) {
    execFileSync("umount", ["-l", dir], { stdio: "ignore" });
    fs.rmdirSync(dir);
  }
});

/** Fills the disk, then gives back `leaveKB`; returns the filler's path. */
function fill(root: string, leaveKB: number): string {
  const path = join(root, "filler");
  const fd = fs.openSync(path, "w");
  try {
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  }
  fs.ftruncateSync(fd, Math.max(0, fs.fstatSync(fd).size - leaveKB * 1024));
  fs.closeSync(fd);
  return path;
}

async function publishedCount(root: string): Promise<number> {
  const r = openIndexReader({ root });
  try {
    return Number((await r.query("SELECT count(*) AS n FROM event_pointers"))[0]?.n);
  } finally {
    r.close();
  }
}

const canMount = smallDisk() !== null;

describe.skipIf(!canMount)("a full disk under the index", () => {
  // What each case runs into first, as its message says: copying a generation (0 KB); one
  // database's copy after another's attached (4,000 KB); a write into the runs generation
  // (7,500 KB); the runs COMMIT's checkpoint, which invalidates the attached database and leaves
  // it the default of its connection, where DuckDB will not detach it (11,500 KB). The sizes
  // follow the files DuckDB writes: a case whose message no longer matches needs new sizes.
  it.each([
    [0, "copyfile"],
    [4_000, "copyfile"],
    [7_500, "Could not write file"],
    [11_500, "invalidated because checkpointing failed"],
  ])(
    "with %i KB left (%s): rounds fail with LEDGER_DISK_FULL, readers keep the last index, and the next round after space is freed catches up",
    async (leaveKB, hits) => {
      const root = smallDisk() as string;
      const first = writeLog(root, backtestEvents({ runs: 6, trialsPerRun: 300, prefix: "a" }));
      const indexer = track(await openIndexer({ root }));
      await indexer.update();
      expect(await publishedCount(root)).toBe(first);
      const second = writeLog(
        root,
        backtestEvents({ runs: 6, trialsPerRun: 3_000, prefix: "b", startMs: Date.UTC(2026, 0, 5, 12) }),
        "2026-01-05",
        2,
      );
      const filler = fill(root, leaveKB);

      const failure = await indexer.update().then(
        () => undefined,
        (error: unknown) => error as Error & { code?: string },
      );
      expect(failure?.code).toBe("LEDGER_DISK_FULL");
      expect(failure?.message).toContain(hits);
      expect(failure?.message).not.toContain("\n");
      expect(await publishedCount(root)).toBe(first);
      // Still full: each round fails the same way, or (once a checkpoint freed space) succeeds;
      // readers see the old index or the whole new one, never a part.
      let reported = 0;
      for (let i = 0; i < 2; i++) {
        const report = await indexer.update().catch((error) => {
          expect(error.code).toBe("LEDGER_DISK_FULL");
          return undefined;
        });
        reported += report?.events ?? 0;
        expect([first, first + second]).toContain(await publishedCount(root));
      }

      fs.rmSync(filler);
      // One plain round publishes every database the failed rounds left committed, though it
      // reads nothing new for them.
      reported += (await indexer.update()).events;
      expect(await publishedCount(root)).toBe(first + second);
      // Rows a failed round committed but could not publish are reported once, when published.
      expect(reported).toBe(second);
      const r = openIndexReader({ root });
      try {
        expect(await indexDigest(r)).toEqual(await rebuiltDigest(root));
        await indexer.settle();
        expect(await indexDigest(r)).toEqual(await rebuiltDigest(root));
      } finally {
        r.close();
      }
    },
  );
});
