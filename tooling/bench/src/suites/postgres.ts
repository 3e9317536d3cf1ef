import { type ChildProcess, spawn } from "node:child_process";
import { type FSWatcher, mkdtempSync, rmSync, statSync, watch } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIndexer, openIndexReader, runRecords, runsChangedSince } from "@ledger/indexer";
import { writeLog } from "@ledger/indexer/test-support";
import { openPgSync } from "@ledger/postgres";
import { type PostgresServer, postgresBin, startPostgres } from "@ledger/postgres/test-support";
import pg from "pg";
import { type LagLoad, pollVisible, startLagLoad, startLagWriter } from "../harness/lag-writers.js";
import { ledgerBin, startServe } from "../harness/serve.js";
import { latencyRow, median, percentile, timeEach } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

const RUNS = 100_000;

/** The lag figure's load: writer processes appending this many events per second in all. */
const LAG_RATE = 5000;
const LAG_WRITERS = 2;
const LAG_SECONDS = 20;

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
  // BENCH_ONLY=lag: the lag tables alone, without the 100,000-run sync and GET /runs.
  if (process.env.BENCH_ONLY === "lag") {
    await lagTables(server, runs).finally(() => server.stop());
    return;
  }
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
          note: "reads the index (DuckDB writes COPY text), one transaction with its checkpoint, batches of 20,000 copied and upserted, the next read while one is written",
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
    printTable(
      `GET ${path} over ${RUNS.toLocaleString("en")} runs, one client (target p99 <= 20 ms from PostgreSQL)`,
      "requests/s",
      [
        latencyRow("ledger serve --pg", fromPg, "runs from PostgreSQL"),
        latencyRow("ledger serve", fromIndex, "runs from the DuckDB index"),
      ],
      "ledger serve --pg",
    );

    await lagTables(server, runs);
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lag tables: each way of running the mirror, `runs` times, beside writers appending. */
async function lagTables(server: PostgresServer, runs: number): Promise<void> {
  const lagRows: Row[] = [];
  const publishedRows: Row[] = [];
  for (const mode of ["daemon --pg", "pg-sync --follow"] as const) {
    const measured: LagRun[] = [];
    for (let r = 0; r < runs; r++) measured.push(await syncLag(server, mode));
    const name = mode === "daemon --pg" ? "ledger daemon --pg" : "ledger daemon + ledger pg-sync --follow";
    lagRows.push({
      name,
      rate: median(measured.map((m) => m.eventsPerSecond)),
      p50: median(measured.map((m) => m.p50)),
      p99: median(measured.map((m) => m.p99)),
      note: `${Math.round(median(measured.map((m) => m.samples)))} samples a run; p99s ${measured.map((m) => m.p99.toFixed(0)).join(", ")} ms; unseen ${measured.map((m) => m.unseen).join(", ")}`,
    });
    const published = measured.map((m) => m.published);
    publishedRows.push({
      name,
      rate: (median(published.map((p) => p.count)) * 60) / LAG_SECONDS,
      p50: median(published.map((p) => p.p50)),
      p99: median(published.map((p) => p.p99)),
      note: `${Math.round(median(published.map((p) => p.count)))} publications a run; p99s ${published.map((p) => p.p99.toFixed(0)).join(", ")} ms${describeSteps(measured.map((m) => m.steps))}`,
    });
  }
  printTable(
    `sync lag behind the log: ${LAG_WRITERS} writers appending ${LAG_RATE.toLocaleString("en")} events/s for ${LAG_SECONDS} s, append to row visible in PostgreSQL (target p99 <= 1,000 ms)`,
    "events/s appended",
    lagRows,
    "ledger daemon --pg",
  );
  printTable(
    "the mirror's part of that lag: a publication of the index (its rename seen) to PostgreSQL's checkpoint covering it, in the same runs",
    "publications/min",
    publishedRows,
    "ledger daemon --pg",
  );
}

interface LagRun {
  /** Events the writers appended per second, as achieved. */
  eventsPerSecond: number;
  p50: number;
  p99: number;
  samples: number;
  /** Appends whose row never showed within 60 s of the writers' end. */
  unseen: number;
  /** From each publication of the index to PostgreSQL's checkpoint covering it (ms). */
  published: { count: number; p50: number; p99: number };
  /** Median ms of each step of the syncs that wrote (`total`: the whole sync), when reported. */
  steps: Record<string, number>;
}

/** The runs' median step times (ms per sync), each the median of the runs' medians; "" when none. */
function describeSteps(runs: Record<string, number>[]): string {
  const steps = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  if (steps.length === 0) return "";
  const each = steps.map((s) => `${s} ${median(runs.flatMap((r) => (s in r ? [r[s]!] : []))).toFixed(0)}`);
  return `; a sync's steps, median ms: ${each.join(", ")}`;
}

/** Median ms per step over the syncs `pg-sync --follow --json` reported, the seed's first left out. */
function syncSteps(lines: string[]): Record<string, number> {
  const reports = lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { durationMs: number; steps: Record<string, number> })
    .slice(1);
  const byStep = new Map<string, number[]>([["total", reports.map((r) => r.durationMs)]]);
  for (const r of reports)
    for (const [step, ms] of Object.entries(r.steps)) byStep.set(step, [...(byStep.get(step) ?? []), ms]);
  return Object.fromEntries(
    [...byStep].filter(([, ms]) => ms.length > 0).map(([step, ms]) => [step, median(ms)]),
  );
}

/** A `ledger` process; with `lines`, its stdout's lines are pushed there as they come. */
function startLedger(args: string[], lines?: string[]): { proc: ChildProcess; exited: Promise<unknown> } {
  const proc = spawn(process.execPath, [ledgerBin, ...args], {
    stdio: ["ignore", lines ? "pipe" : "ignore", "inherit"],
  });
  let partial = "";
  proc.stdout?.setEncoding("utf8").on("data", (text: string) => {
    const split = (partial + text).split("\n");
    partial = split.pop() ?? "";
    lines?.push(...split);
  });
  return { proc, exited: new Promise((resolve) => proc.once("exit", resolve)) };
}

/**
 * Writers append realistic runs at `LAG_RATE` events/s in all, the daemon indexes them as it
 * does for users, and `mode` mirrors each publication into PostgreSQL. For every run's first and
 * last event: the time from its append resolving (fdatasync'ed) to a query of PostgreSQL seeing
 * the row, then with its final status, looked for as `pollVisible` does (the reply's time counts).
 */
async function syncLag(server: PostgresServer, mode: "daemon --pg" | "pg-sync --follow"): Promise<LagRun> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-pg-lag-"));
  const root = join(dir, "root");
  const url = await server.createDatabase(`lag_${mode.replace(/\W+/g, "_")}_${Date.now()}`);
  const processes: ReturnType<typeof startLedger>[] = [];
  const syncLines: string[] = [];
  const client = new pg.Client({ connectionString: url });
  let load: LagLoad | undefined;
  let publications: ReturnType<typeof trackPublications> | undefined;
  try {
    // A first run, so the log exists for the daemon and the mirror has its tables and a checkpoint.
    await startLagWriter(root, "seed", 200, 0.2).exited;
    processes.push(startLedger(["daemon", "--root", root, ...(mode === "daemon --pg" ? ["--pg", url] : [])]));
    if (mode === "pg-sync --follow")
      processes.push(startLedger(["pg-sync", "--follow", "--json", "--pg", url, "--root", root], syncLines));
    await client.connect();
    const count = async () =>
      Number(
        (await client.query("SELECT count(*) AS n FROM ledger_runs").catch(() => ({ rows: [{ n: 0 }] })))
          .rows[0].n,
      );
    for (const deadline = Date.now() + 60_000; (await count()) === 0; await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`${mode}: the seed run never reached PostgreSQL`);
    }

    const tracker = trackPublications(root);
    publications = tracker;
    load = startLagLoad(root, LAG_WRITERS, LAG_RATE, LAG_SECONDS);
    // Rows become visible only with a sync's commit, which also updates ledger_sync_state's row.
    const { samples, unseen } = await pollVisible(load, {
      version: () => syncVersion(client),
      statuses: async (runs) => {
        const { rows } = await client.query<{ run_id: string; status: string }>(
          "SELECT run_id, status FROM ledger_runs WHERE run_id = ANY($1::text[])",
          [runs],
        );
        return new Map(rows.map((r) => [r.run_id, r.status]));
      },
      onChange: () => tracker.check(client),
    });
    const events = (await load.totals).reduce((a, b) => a + b, 0);
    const published = tracker.stop();
    publications = undefined;
    return {
      steps: syncSteps(syncLines),
      eventsPerSecond: events / LAG_SECONDS,
      p50: median(samples),
      p99: percentile(samples, 0.99),
      samples: samples.length,
      unseen,
      published: { count: published.length, p50: median(published), p99: percentile(published, 0.99) },
    };
  } finally {
    // On a failure, writers still appending and the tracker's watcher would outlive the run.
    load?.stop();
    publications?.stop();
    await client.end().catch(() => {});
    for (const p of processes) p.proc.kill("SIGTERM");
    await Promise.all(processes.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Each publication of `root`'s runs index while writers append: when its rename into the index
 * directory was seen (watched, and looked at on each `check`), and the log offsets it holds. A
 * `check` reads PostgreSQL's checkpoint; a publication is mirrored once the checkpoint covers all
 * its offsets (one skipped for a newer one counts as mirrored with that one). `stop` gives the
 * times from publication to mirrored, ms, sorted.
 */
function trackPublications(root: string) {
  const dir = join(root, "index");
  // One DuckDB instance for the whole run, files let go after each read: a new instance per
  // publication cost about 60 ms of CPU each time, taken from the daemon being measured.
  const reader = openIndexReader({ root, keepInstance: true });
  const pending: { atMs: number; offsets: Promise<Map<string, number>> }[] = [];
  const lags: number[] = [];
  let inode = statSync(join(dir, "runs.duckdb")).ino;
  const look = () => {
    const st = statSync(join(dir, "runs.duckdb"), { throwIfNoEntry: false });
    if (!st || st.ino === inode) return;
    inode = st.ino;
    // Read now: a later publication may replace this one before it is mirrored.
    const offsets = reader.checkpoints("runs").finally(() => reader.release({ all: true }));
    offsets.catch(() => {});
    pending.push({ atMs: performance.timeOrigin + performance.now(), offsets });
  };
  const watcher: FSWatcher = watch(dir, look);
  return {
    async check(client: pg.Client): Promise<void> {
      look();
      if (pending.length === 0) return;
      const { rows } = await client
        .query<{ file: string; bytes: string }>(
          "SELECT file, bytes FROM ledger_sync_checkpoints WHERE source = 'runs'",
        )
        .catch(() => ({ rows: [] }));
      const at = performance.timeOrigin + performance.now();
      const mirrored = new Map(rows.map((r) => [r.file, Number(r.bytes)]));
      for (let i = pending.length - 1; i >= 0; i--) {
        const offsets = await pending[i]!.offsets.catch(() => undefined);
        if (!offsets || ![...offsets].every(([file, bytes]) => (mirrored.get(file) ?? -1) >= bytes)) continue;
        for (const p of pending.splice(0, i + 1)) lags.push(at - p.atMs);
        break;
      }
    },
    stop(): number[] {
      watcher.close();
      reader.close();
      return lags.sort((a, b) => a - b);
    },
  };
}

/** The version of `ledger_sync_state`'s row (its `xmin`), which every sync that wrote changes. */
async function syncVersion(client: pg.Client): Promise<string> {
  const { rows } = await client
    .query<{ v: string }>("SELECT xmin::text AS v FROM ledger_sync_state")
    .catch(() => ({ rows: [] }));
  return rows[0]?.v ?? "";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
