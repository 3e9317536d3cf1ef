import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIndexer, openIndexReader, runRecords, runsChangedSince } from "@ledger/indexer";
import { writeLog } from "@ledger/indexer/test-support";
import { openPgSync } from "@ledger/postgres";
import { postgresBin, startPostgres } from "@ledger/postgres/test-support";
import pg from "pg";
import { startServe } from "../harness/serve.js";
import { median, percentile, timeEach } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

const RUNS = 100_000;

/** `RUNS` runs, each created (config, git), started and completed (summary, artifact paths). */
function* lifecycles(count: number): Generator<Record<string, unknown>> {
  const start = Date.UTC(2026, 2, 1);
  for (let i = 0; i < count; i++) {
    const t = start + i * 60_000;
    const run_id = `run-${String(i).padStart(6, "0")}`;
    const envelope = (k: number, event_type: string) => ({
      event_id: `01K${String(i * 3 + k).padStart(23, "0")}`,
      event_type,
      schema_version: 1,
      timestamp_ms: t + k * 1000,
      run_id,
      seq: k + 1,
    });
    yield {
      ...envelope(0, "run.created"),
      run_type: i % 5 === 0 ? "baseline" : "optimize",
      config: { strategy: "sma_cross", fast: 5 + (i % 20), slow: 50 + (i % 100) },
      data_fingerprint: `fp-${i % 13}`,
      git: { commit: "0123456789abcdef0123456789abcdef01234567", branch: "main", dirty: false },
    };
    yield envelope(1, "run.started");
    yield {
      ...envelope(2, "run.completed"),
      status: i % 9 === 0 ? "failed" : "succeeded",
      summary: { trials: i % 40, best_sharpe: (i % 300) / 100 },
      artifact_paths: ["summary.json", "trades.parquet"],
      exit_code: i % 9 === 0 ? 1 : 0,
    };
  }
}

const COLUMNS = [
  "run_id",
  "run_type",
  "status",
  "exit_code",
  "created_at",
  "started_at",
  "completed_at",
  "duration_ms",
  "summary",
  "config",
  "data_fingerprint",
  "git",
  "output_paths",
  "trial_count",
  "events_file",
  "events_offset",
] as const;

/**
 * The peer: the same rows, already in memory, as multi-row `INSERT … ON CONFLICT DO UPDATE` with
 * `pg`, 1,000 rows a statement, in one transaction. Returns rows per second.
 */
async function plainUpsert(url: string, rows: unknown[][]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    await client.query("BEGIN");
    for (let i = 0; i < rows.length; i += 1000) {
      const batch = rows.slice(i, i + 1000);
      const values = batch.map(
        (_, r) => `(${COLUMNS.map((_c, c) => `$${r * COLUMNS.length + c + 1}`).join(", ")})`,
      );
      await client.query(
        `INSERT INTO ledger_runs (${COLUMNS.join(", ")}) VALUES ${values.join(", ")}
         ON CONFLICT (run_id) DO UPDATE SET ${COLUMNS.slice(1)
           .map((c) => `${c} = excluded.${c}`)
           .join(", ")}`,
        batch.flat(),
      );
    }
    await client.query("COMMIT");
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

/** `GET path` latencies (ms, sorted) against a `ledger serve` started with `args`. */
async function serveLatency(args: string[], path: string, times: number): Promise<number[]> {
  const { process: server, port } = await startServe(args);
  try {
    const url = `http://127.0.0.1:${port}${path}`;
    const fetchOnce = () =>
      new Promise<void>((resolve, reject) =>
        get(url, (response) => {
          response.resume();
          response.on("end", () =>
            response.statusCode === 200 ? resolve() : reject(new Error(`${response.statusCode}`)),
          );
        }).on("error", reject),
      );
    for (let i = 0; i < 20; i++) await fetchOnce();
    return await timeEach(times, fetchOnce);
  } finally {
    server.kill("SIGTERM");
  }
}

export async function postgresSuite(runs: number): Promise<void> {
  if (!postgresBin()) {
    console.log("\n## postgres: skipped, PostgreSQL 15 is not installed (apt-get install postgresql-15)");
    return;
  }
  const server = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-pg-"));
  try {
    const root = join(dir, "root");
    writeLog(root, lifecycles(RUNS), "2026-03-01");
    const indexer = await openIndexer({ root });
    await indexer.rebuild();
    await indexer.close();

    const syncRates: number[] = [];
    let synced = "";
    for (let r = 0; r < runs; r++) {
      const url = await server.createDatabase(`sync_${r}`);
      const sync = await openPgSync({ url, root });
      try {
        const report = await sync.sync();
        if (report.runs !== RUNS) throw new Error(`the sync wrote ${report.runs} runs, not ${RUNS}`);
        syncRates.push(RUNS / (report.durationMs / 1000));
      } finally {
        await sync.close();
      }
      synced = url;
    }

    // The peer's rows: what the sync wrote, read from the index the same way, kept in memory.
    const reader = openIndexReader({ root });
    const empty = { runs: new Map<string, number>(), catalog: new Map<string, number>() };
    const current = { runs: await reader.checkpoints("runs"), catalog: await reader.checkpoints("catalog") };
    const records = await runRecords(reader, await runsChangedSince(reader, empty, current));
    reader.close();
    const rows = records.runs.map((r) => [
      r.run_id,
      r.run_type,
      r.status,
      r.exit_code,
      r.created_at,
      r.started_at,
      r.completed_at,
      r.duration_ms,
      JSON.stringify(r.summary),
      JSON.stringify(r.config),
      r.data_fingerprint,
      JSON.stringify({ commit: r.git_commit, branch: r.git_branch, dirty: r.git_dirty }),
      JSON.stringify(r.artifact_paths),
      r.trials,
      r.events_file,
      r.events_offset,
    ]);
    const upsertRates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const url = await server.createDatabase(`plain_${r}`);
      // The tables, from the same migrations; the clock starts at the first INSERT.
      await (await openPgSync({ url, root })).close();
      upsertRates.push(await plainUpsert(url, rows));
    }
    const sync = median(syncRates);
    printTable(
      `runs into PostgreSQL, ${RUNS.toLocaleString("en")} runs (target: sync >= 0.8x the plain upsert)`,
      "runs/s",
      [
        {
          name: "ledger pg-sync",
          rate: sync,
          note: "reads the index (DuckDB), one transaction with its checkpoint, unnest batches of 5,000, the next read while one is written",
        },
        {
          name: "plain INSERT … ON CONFLICT (pg)",
          rate: median(upsertRates),
          note: "the same rows, already in memory, 1,000 rows a statement, one transaction",
        },
      ],
      "ledger pg-sync",
    );

    const times = Math.max(100, runs * 60);
    const path = "/runs?limit=100";
    const fromPg = await serveLatency(["--root", root, "--pg", synced], path, times);
    const fromIndex = await serveLatency(["--root", root], path, times);
    const row = (name: string, sorted: number[], note: string): Row => ({
      name,
      rate: 1000 / median(sorted),
      p50: median(sorted),
      p99: percentile(sorted, 0.99),
      note,
    });
    printTable(
      `GET ${path} over ${RUNS.toLocaleString("en")} runs, one client (target p99 <= 20 ms from PostgreSQL)`,
      "requests/s",
      [
        row("ledger serve --pg", fromPg, "runs from PostgreSQL"),
        row("ledger serve", fromIndex, "runs from the DuckDB index"),
      ],
      "ledger serve --pg",
    );
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
