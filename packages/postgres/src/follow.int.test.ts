import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import { afterEach, expect, it } from "vitest";
import { followPgSync } from "./follow.js";
import { openPgSync } from "./sync.js";
import { mirrorRows } from "./test-support/postgres-server.js";
import { describeWithPostgres } from "./test-support/use-postgres.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** Waits until `synced` holds `count` syncs (20 s at most). */
async function syncsReach(synced: number[], count: number): Promise<void> {
  for (const deadline = Date.now() + 20_000; synced.length < count; ) {
    if (Date.now() > deadline) throw new Error(`${synced.length} syncs, not ${count}, within 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeWithPostgres("pg-sync --follow", ({ server, database }) => {
  it("resumes after PostgreSQL restarts (immediate mode) mid-follow, and ends equal to a fresh sync", async () => {
    const root = mkdtempSync(join(tmpdir(), "ledger-pg-follow-"));
    roots.push(root);
    const url = await database();
    const controller = new AbortController();
    const failures: unknown[] = [];
    const following = followPgSync({
      url,
      root,
      pollMs: 20,
      backoffMs: 20,
      maxBackoffMs: 200,
      signal: controller.signal,
      onSync: (_report, error) => error && failures.push(error),
    });
    const indexer = await openIndexer({ root });
    const rounds = 8;
    try {
      for (let i = 0; i < rounds; i++) {
        writeLog(
          root,
          backtestEvents({ runs: 4, trialsPerRun: 5, prefix: `r${i}`, startMs: Date.UTC(2026, 0, 5, i) }),
        );
        await indexer.update();
        if (i % 3 === 1) server().restart();
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await indexer.close();
    }
    const deadline = Date.now() + 30_000;
    while ((await mirrorRows(url).catch(() => ({ runs: [] }))).runs.length < rounds * 4) {
      if (Date.now() > deadline) throw new Error("the follow did not catch up within 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    controller.abort();
    const report = await following;
    expect(failures.length).toBeGreaterThan(0);
    expect(report.failures).toBe(failures.length);

    const fresh = await database();
    const sync = await openPgSync({ url: fresh, root });
    await sync.sync().finally(() => sync.close());
    expect(await mirrorRows(url)).toEqual(await mirrorRows(fresh));
  });

  /** A new root, database and indexer, and the runs each sync reports written. */
  const start = async () => {
    const root = mkdtempSync(join(tmpdir(), "ledger-pg-follow-"));
    roots.push(root);
    return {
      root,
      url: await database(),
      indexer: await openIndexer({ root }),
      controller: new AbortController(),
      synced: [] as number[],
    };
  };

  it("wakes on each publication of the index, without waiting for the poll", async () => {
    const { root, url, indexer, controller, synced } = await start();
    let following: Promise<unknown> | undefined;
    try {
      writeLog(
        root,
        backtestEvents({ runs: 1, trialsPerRun: 3, prefix: "first", startMs: Date.UTC(2026, 0, 5) }),
      );
      await indexer.update();
      // Neither the poll nor the interval comes round within the test: only the directory's
      // changes can wake it.
      following = followPgSync({
        url,
        root,
        pollMs: 600_000,
        intervalSeconds: 600,
        signal: controller.signal,
        onSync: (report) => report && synced.push(report.runs),
      });
      await syncsReach(synced, 1);
      for (let i = 0; i < 3; i++) {
        writeLog(
          root,
          backtestEvents({ runs: 2, trialsPerRun: 3, prefix: `r${i}`, startMs: Date.UTC(2026, 0, 6, i) }),
        );
        await indexer.update();
        await syncsReach(synced, 2 + i);
      }
      expect((await mirrorRows(url)).runs).toHaveLength(7);
    } finally {
      controller.abort();
      await following;
      await indexer.close();
    }
  });

  it("with wakeWith, syncs when woken and only then: the index directory is neither watched nor polled", async () => {
    const { root, url, indexer, controller, synced } = await start();
    let wake = () => {};
    let following: Promise<unknown> | undefined;
    const publish = async (prefix: string, hour: number) => {
      writeLog(
        root,
        backtestEvents({ runs: 2, trialsPerRun: 3, prefix, startMs: Date.UTC(2026, 0, 6, hour) }),
      );
      await indexer.update();
    };
    try {
      await publish("first", 0);
      following = followPgSync({
        url,
        root,
        pollMs: 20,
        intervalSeconds: 600,
        signal: controller.signal,
        wakeWith: (w) => {
          wake = w;
        },
        onSync: (report) => report && synced.push(report.runs),
      });
      await syncsReach(synced, 1);
      await publish("second", 1);
      // A publication alone wakes nothing, however short the poll.
      await new Promise((r) => setTimeout(r, 500));
      expect(synced).toEqual([2]);
      wake();
      await syncsReach(synced, 2);
      // Woken twice during a sync, or before the wait: one more sync, at once.
      await publish("third", 2);
      wake();
      wake();
      await syncsReach(synced, 3);
      expect(synced).toEqual([2, 2, 2]);
      expect((await mirrorRows(url)).runs).toHaveLength(6);
    } finally {
      controller.abort();
      await following;
      await indexer.close();
    }
  });
});
