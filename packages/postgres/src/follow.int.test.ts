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

  it("wakes on each publication of the index, without waiting for the poll", async () => {
    const root = mkdtempSync(join(tmpdir(), "ledger-pg-follow-"));
    roots.push(root);
    const url = await database();
    const indexer = await openIndexer({ root });
    const controller = new AbortController();
    const synced: number[] = [];
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
      const waitFor = async (count: number) => {
        for (const deadline = Date.now() + 20_000; synced.length < count; ) {
          if (Date.now() > deadline) throw new Error(`${synced.length} syncs, not ${count}, within 20 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await waitFor(1);
      for (let i = 0; i < 3; i++) {
        writeLog(
          root,
          backtestEvents({ runs: 2, trialsPerRun: 3, prefix: `r${i}`, startMs: Date.UTC(2026, 0, 6, i) }),
        );
        await indexer.update();
        await waitFor(2 + i);
      }
      expect((await mirrorRows(url)).runs).toHaveLength(7);
    } finally {
      controller.abort();
      await following;
      await indexer.close();
    }
  });
});
