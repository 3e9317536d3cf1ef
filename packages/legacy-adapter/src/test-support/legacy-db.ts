import { rmSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

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
   * The cutover; two extra runs are created two minutes before midnight UTC: on the eve of the
   * cutover day (legacy side) and on the cutover day itself (new side).
   */
  cutover: Date;
}

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
  const instance = await DuckDBInstance.create(options.path);
  const c = await instance.connect();
  try {
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
    // The midnight edge: two minutes before midnight UTC on the eve of the cutover and on the day.
    await c.run(
      `INSERT INTO optimizer.runs_d VALUES
       ('legacy-eve-2358', 'optimize', 'succeeded', epoch_ms($cut::BIGINT - 120000), epoch_ms($cut::BIGINT - 119000), epoch_ms($cut::BIGINT - 60000), '{}', 'fp-eve', 0),
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
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
