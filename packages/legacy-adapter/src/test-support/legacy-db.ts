import { rmSync } from "node:fs";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { sqlString } from "@ledger/schema";
import { defaultLegacyLayout, type LegacyLayout } from "../layout.js";

export interface LegacyFixtureOptions {
  /** Where to write the legacy database (replaced if present). */
  path: string;
  /** Runs, spread evenly over `[from, to)`. @default 2000 */
  runs?: number;
  /** @default 2026-01-01 */
  from?: Date;
  /** @default 2026-06-01 */
  to?: Date;
  /**
   * The cutover; extra runs are created two minutes before midnight UTC on the eve of the
   * cutover day (legacy side) and on the cutover day itself (new side), and one at 23:57 on the
   * eve that completes after midnight (`legacy-eve-2357`): a run that straddles the cutover.
   */
  cutover: Date;
  /**
   * How the old system laid its tables out; `fixtureLayouts[shape]` maps each.
   * - `default`: `defaultLegacyLayout`.
   * - `renamed`: tables and columns under other names (`main.runs.id`, `state` saying
   *   `success`/`error`, ...), no exit code, config or data fingerprint, phases without a
   *   duration, no baselines table, a failed run with no end time and a running one with no
   *   start time.
   * - `json`: metrics of trials and baselines as one JSON text column (`metrics_json`, with some
   *   values that are not numbers), and the run's summary as JSON text (`summary_json`), some of
   *   it not a JSON object and some on runs that never finished.
   * @default "default"
   */
  shape?: FixtureShape;
}

export type FixtureShape = "default" | "renamed" | "json";

const PHASES = ["coverage", "slice", "load", "execute", "store", "aggregate"];

/**
 * Builds a database shaped like the old system's (`optimizer.runs_d`, `optimizer.phases_d`,
 * `optimizer.trials_f`, `baseline.results_f`): months of runs on both sides of the cutover, with
 * phases, trials, failed and still-running runs, and NULLs where real data has them. Generated
 * by DuckDB itself, so 100,000 runs take seconds. Deterministic for the same options.
 */
export async function generateLegacyDb(options: LegacyFixtureOptions): Promise<void> {
  const runs = options.runs ?? 2000;
  const from = (options.from ?? new Date(Date.UTC(2026, 0, 1))).getTime();
  const to = (options.to ?? new Date(Date.UTC(2026, 5, 1))).getTime();
  const cut = options.cutover.getTime();
  rmSync(options.path, { force: true });
  rmSync(`${options.path}.wal`, { force: true });
  // Attached under a fixed name, not opened as the default database: a file named
  // optimizer.duckdb would otherwise make the catalog `optimizer` clash with the schema.
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    await c.run(`ATTACH ${sqlString(options.path)} AS fixture; USE fixture`);
    await c.run(`CREATE SCHEMA optimizer; CREATE SCHEMA baseline;
      CREATE TABLE optimizer.runs_d (run_id VARCHAR PRIMARY KEY, run_type VARCHAR, status VARCHAR,
        created_at TIMESTAMP, started_at TIMESTAMP, completed_at TIMESTAMP, config_json VARCHAR,
        data_fingerprint VARCHAR, exit_code INTEGER);
      CREATE TABLE optimizer.phases_d (run_id VARCHAR, phase VARCHAR, phase_order INTEGER,
        started_at TIMESTAMP, completed_at TIMESTAMP, duration_ms DOUBLE);
      CREATE TABLE optimizer.trials_f (run_id VARCHAR, trial_id VARCHAR, params_json VARCHAR,
        sharpe DOUBLE, pnl DOUBLE, max_drawdown DOUBLE, trades INTEGER, recorded_at TIMESTAMP);
      CREATE TABLE baseline.results_f (run_id VARCHAR, baseline_id VARCHAR, sharpe DOUBLE, pnl DOUBLE,
        completed_at TIMESTAMP);`);
    await c.run(
      `INSERT INTO optimizer.runs_d
       SELECT printf('legacy-%06d', i),
              CASE WHEN i % 10 = 0 THEN 'baseline' ELSE 'optimize' END,
              CASE WHEN i % 13 = 5 THEN 'failed' WHEN i % 41 = 7 THEN 'running'
                   WHEN i % 7 = 0 THEN 'completed' ELSE 'succeeded' END,
              epoch_ms(c), CASE WHEN i % 97 = 3 AND i % 41 <> 7 THEN NULL ELSE epoch_ms(c + 2000) END,
              CASE WHEN i % 41 = 7 AND i % 13 <> 5 THEN NULL ELSE epoch_ms(c + 2000 + 60000 + (i % 600) * 1000) END,
              CASE WHEN i % 11 = 4 THEN NULL ELSE '{"strategy":"sma","window":' || (10 + i % 40) || '}' END,
              CASE WHEN i % 17 = 2 THEN NULL ELSE 'fp-' || (i % 5) END,
              CASE WHEN i % 13 = 5 THEN 1 WHEN i % 41 = 7 THEN NULL ELSE 0 END
       FROM (SELECT i, $from::BIGINT + (i * ($to::BIGINT - $from::BIGINT) // $n::BIGINT) AS c FROM range($n::BIGINT) t(i))`,
      { from, to, n: runs },
    );
    // The midnight edge: two minutes before midnight UTC on the eve of the cutover and on the day,
    // and a run created at 23:57 on the eve that completes four minutes after midnight.
    await c.run(
      `INSERT INTO optimizer.runs_d VALUES
       ('legacy-eve-2358', 'optimize', 'succeeded', epoch_ms($cut::BIGINT - 120000), epoch_ms($cut::BIGINT - 119000), epoch_ms($cut::BIGINT - 60000), '{}', 'fp-eve', 0),
       ('legacy-eve-2357', 'optimize', 'succeeded', epoch_ms($cut::BIGINT - 180000), epoch_ms($cut::BIGINT - 179000), epoch_ms($cut::BIGINT + 240000), '{}', 'fp-eve', 0),
       ('legacy-day-2358', 'optimize', 'succeeded', epoch_ms($cut::BIGINT + 86400000 - 120000), epoch_ms($cut::BIGINT + 86400000 - 119000), epoch_ms($cut::BIGINT + 86400000 - 60000), '{}', 'fp-day', 0)`,
      { cut },
    );
    const phases = PHASES.map((p, k) => `('${p}', ${k})`).join(", ");
    await c.run(
      `INSERT INTO optimizer.phases_d
       SELECT r.run_id, p.phase, p.k, r.started_at + to_milliseconds(p.k * 10000),
              CASE WHEN r.status = 'failed' AND p.phase = 'execute' THEN NULL
                   ELSE r.started_at + to_milliseconds(p.k * 10000 + 5000) END,
              CASE WHEN r.status = 'failed' AND p.phase = 'execute' THEN NULL ELSE 5000 + p.k END
       FROM optimizer.runs_d r, (VALUES ${phases}) p(phase, k)
       WHERE r.started_at IS NOT NULL
         AND (r.status <> 'failed' OR p.k <= 3) AND (r.status <> 'running' OR p.k <= 2)`,
    );
    await c.run(
      `INSERT INTO optimizer.trials_f
       SELECT r.run_id, 't-' || j, '{"fast":' || (5 + j) || ',"slow":' || (20 + j * 3) || '}',
              round(((hash(r.run_id || j) % 300)::DOUBLE / 100) - 0.5, 2), (hash(r.run_id || j) % 10000)::DOUBLE,
              CASE WHEN j % 9 = 4 THEN NULL ELSE -((hash(j || r.run_id) % 30)::DOUBLE / 100) END,
              (hash(r.run_id) % 400)::INTEGER, r.started_at + to_milliseconds(30000 + j * 10)
       FROM optimizer.runs_d r, range(0, 12) t(j)
       WHERE r.run_type = 'optimize' AND r.started_at IS NOT NULL AND j < (hash(r.run_id) % 6) * 2`,
    );
    await c.run(
      `INSERT INTO baseline.results_f
       SELECT run_id, 'buy_and_hold', round((hash(run_id) % 200)::DOUBLE / 100, 2), (hash(run_id) % 5000)::DOUBLE, completed_at
       FROM optimizer.runs_d WHERE run_type = 'baseline' AND completed_at IS NOT NULL`,
    );
    if (options.shape === "renamed") await renamed(c);
    if (options.shape === "json") await jsonColumns(c);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** The `renamed` shape: other names, and no exit code, config, fingerprint, duration or baselines. */
async function renamed(c: DuckDBConnection): Promise<void> {
  await c.run(`
    CREATE TABLE main.runs AS
      SELECT run_id AS id, run_type AS kind,
             CASE status WHEN 'succeeded' THEN 'success' WHEN 'failed' THEN 'error' ELSE status END AS state,
             created_at AS ts_created, started_at AS ts_started, completed_at AS ts_finished
      FROM optimizer.runs_d;
    CREATE TABLE main.run_phases AS
      SELECT run_id AS run, phase AS step, phase_order AS step_order, started_at AS started,
             completed_at AS finished
      FROM optimizer.phases_d;
    CREATE TABLE main.trial_results AS
      SELECT run_id AS run, trial_id AS trial, params_json AS params, recorded_at AS ts, sharpe, pnl,
             max_drawdown, trades
      FROM optimizer.trials_f;
    DROP SCHEMA optimizer CASCADE; DROP SCHEMA baseline CASCADE;
    -- Rows the event model cannot express: a failed run that never recorded its end, and a
    -- running run that never recorded its start.
    UPDATE main.runs SET ts_finished = NULL WHERE id = 'legacy-000005';
    UPDATE main.runs SET ts_started = NULL WHERE id = 'legacy-000007';`);
}

/** The `json` shape: metrics as one JSON text column, and the run's summary as JSON text. */
async function jsonColumns(c: DuckDBConnection): Promise<void> {
  await c.run(`
    ALTER TABLE optimizer.runs_d ADD COLUMN summary_json VARCHAR;
    UPDATE optimizer.runs_d SET summary_json = CASE
      WHEN run_id = 'legacy-eve-2357' THEN '{"trials": 4, "note": "ran past midnight"}'
      WHEN status = 'running' AND hash(run_id) % 3 = 0 THEN '{"partial": true}'
      WHEN status = 'running' THEN NULL
      WHEN hash(run_id) % 53 = 11 THEN 'done, see the notebook'
      WHEN hash(run_id) % 59 = 13 THEN '[1, 2]'
      WHEN hash(run_id) % 7 = 2 THEN NULL
      ELSE '{"best_sharpe": ' || (hash(run_id) % 300)::DOUBLE / 100 || ', "trials": ' || hash(run_id) % 12 || '}' END;
    CREATE TABLE optimizer.trials_j AS
      SELECT run_id, trial_id, params_json, recorded_at,
             json_object('sharpe', sharpe, 'pnl', pnl, 'max_drawdown', max_drawdown, 'trades', trades,
                         'regime', CASE WHEN hash(run_id || trial_id) % 5 = 0 THEN 'bull' END)::VARCHAR AS metrics_json
      FROM optimizer.trials_f;
    DROP TABLE optimizer.trials_f;
    ALTER TABLE optimizer.trials_j RENAME TO trials_f;
    CREATE TABLE baseline.results_j AS
      SELECT run_id, baseline_id, completed_at, json_object('sharpe', sharpe, 'pnl', pnl)::VARCHAR AS metrics_json
      FROM baseline.results_f;
    DROP TABLE baseline.results_f;
    ALTER TABLE baseline.results_j RENAME TO results_f;`);
}

const d = defaultLegacyLayout;

/** The layout that maps each fixture shape. */
export const fixtureLayouts: Record<FixtureShape, LegacyLayout> = {
  default: d,
  renamed: {
    runs: {
      table: "runs",
      columns: {
        run_id: "id",
        run_type: "kind",
        status: "state",
        created_at: "ts_created",
        started_at: "ts_started",
        completed_at: "ts_finished",
      },
    },
    phases: {
      table: "run_phases",
      columns: {
        run_id: "run",
        phase: "step",
        phase_order: "step_order",
        started_at: "started",
        completed_at: "finished",
      },
    },
    // The same metric columns as the default, in a table of another name.
    trials: {
      ...d.trials,
      table: "trial_results",
      columns: { run_id: "run", trial_id: "trial", params: "params", recorded_at: "ts" },
    },
  },
  json: {
    runs: { ...d.runs, columns: { ...d.runs.columns, summary: "summary_json" } },
    ...(d.phases ? { phases: d.phases } : {}),
    trials: {
      table: "optimizer.trials_f",
      columns: { ...d.trials?.columns, run_id: "run_id", trial_id: "trial_id", metrics_json: "metrics_json" },
    },
    baselines: {
      table: "baseline.results_f",
      columns: {
        ...d.baselines?.columns,
        run_id: "run_id",
        baseline_id: "baseline_id",
        metrics_json: "metrics_json",
      },
    },
  },
};
