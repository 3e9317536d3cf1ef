import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { migrate } from "./migrate.js";
import { MIGRATIONS } from "./migrations/index.js";
import { PROJECTION } from "./projection.js";
import { openPgSync } from "./sync.js";
import { mirrorRows } from "./test-support/postgres-server.js";
import { describeWithPostgres } from "./test-support/use-postgres.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function indexedRoot(runs: number): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "ledger-pg-projection-"));
  roots.push(root);
  writeLog(root, backtestEvents({ runs, trialsPerRun: 6 }));
  await reindex(root);
  return root;
}

async function reindex(root: string): Promise<void> {
  const indexer = await openIndexer({ root });
  await indexer.update().finally(() => indexer.close());
}

async function syncOnce(root: string, url: string) {
  const sync = await openPgSync({ root, url, batchRuns: 4 });
  return sync.sync().finally(() => sync.close());
}

async function sql(url: string, ...statements: string[]): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const results: pg.QueryResult[] = [];
    for (const s of statements) results.push(await client.query(s));
    return results;
  } finally {
    await client.end();
  }
}

/** Rows no sync would write: a changed status and a run the log never had. */
const TAMPER = [
  "UPDATE ledger_runs SET status = 'bogus' WHERE run_id = (SELECT min(run_id) FROM ledger_runs)",
  `INSERT INTO ledger_runs (run_id, status) VALUES ('ghost', 'running')`,
];

describeWithPostgres("pg-sync projection", ({ database }) => {
  it("resumes from the checkpoint while the stored projection is this ledger's: rows are not re-derived", async () => {
    const root = await indexedRoot(6);
    const url = await database();
    expect(await syncOnce(root, url)).toMatchObject({ runs: 6, rebuilt: false });
    const [state] = await sql(url, "SELECT projection FROM ledger_sync_state");
    expect(state!.rows).toEqual([{ projection: PROJECTION }]);
    await sql(url, ...TAMPER);
    expect(await syncOnce(root, url)).toMatchObject({ advanced: false, rebuilt: false });
    const { runs } = await mirrorRows(url);
    expect(runs.map((r) => r.status)).toContain("bogus");
    expect(runs).toHaveLength(7);
  });

  it("rebuilds the whole mirror from the index, in one transaction, when the stored projection differs", async () => {
    const root = await indexedRoot(8);
    const url = await database();
    await syncOnce(root, url);
    await sql(url, ...TAMPER, "UPDATE ledger_sync_state SET projection = '0:an-older-derivation'");
    writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 6, prefix: "late" }), "2026-01-06");
    await reindex(root);

    // Cut mid-rebuild (the server ends its connection inside the transaction): nothing of it shows.
    const before = await mirrorRows(url);
    const sync = await openPgSync({ root, url, batchRuns: 1 });
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    let finished = false;
    // Its failure is taken at once: it may come while the loop below still awaits the killer.
    const syncing = sync
      .sync()
      .catch((e: unknown) => e)
      .finally(() => {
        finished = true;
      });
    let cut = 0;
    while (!finished && cut === 0) {
      const { rows } = await killer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'ledger pg-sync' AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`,
      );
      cut = rows.length;
    }
    await killer.end();
    const outcome = await syncing;
    await sync.close();
    expect(cut).toBe(1);
    expect(outcome).toBeInstanceOf(Error);
    expect(await mirrorRows(url)).toEqual(before);

    const report = await syncOnce(root, url);
    expect(report).toMatchObject({ rebuilt: true, advanced: true, changed: 11, runs: 11 });
    const fresh = await database();
    await syncOnce(root, fresh);
    expect(await mirrorRows(url)).toEqual(await mirrorRows(fresh));
    const [state] = await sql(url, "SELECT projection FROM ledger_sync_state");
    expect(state!.rows).toEqual([{ projection: PROJECTION }]);
    expect(await syncOnce(root, url)).toMatchObject({ advanced: false, rebuilt: false });
  });

  it("rebuilds a mirror made before projections were recorded (schema version 1)", async () => {
    const root = await indexedRoot(5);
    const url = await database();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(client, MIGRATIONS.slice(0, 1));
      await client.query(TAMPER[1]!);
      await client.query("INSERT INTO ledger_sync_state (synced_at) VALUES (now())");
    } finally {
      await client.end();
    }
    expect(await syncOnce(root, url)).toMatchObject({ rebuilt: true, runs: 5 });
    const fresh = await database();
    await syncOnce(root, fresh);
    expect(await mirrorRows(url)).toEqual(await mirrorRows(fresh));
  });
});
