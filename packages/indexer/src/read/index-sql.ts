/**
 * A run's best trial, as an aggregate over rows with `sharpe`, `recorded_ms` and `trial_id`: the
 * highest sharpe, ties to the earliest trial, then to the least id. Null when no trial has one.
 */
export const BEST_TRIAL =
  "arg_min(trial_id, (-sharpe, recorded_ms, trial_id)) FILTER (WHERE sharpe IS NOT NULL)";

/**
 * The index's runs, phases and trials as SQL over the runs database attached under `db`
 * (`""` when it is the connection's default database, as in `IndexReader`; `"idx."` or the like
 * when another database is joined with it, as the legacy adapter does). The one place outside the
 * projections that knows which tables hold what.
 */
export function indexSql(db = "") {
  return {
    /** One row per run, times as epoch ms, with everything a listing or a detail shows. */
    runs: `SELECT s.run_id, d.run_type, s.status, coalesce(d.created_ms, s.created_ms) AS created_ms,
                  s.started_ms, s.completed_ms, s.duration_ms, s.exit_code, d.data_fingerprint, d.config,
                  d.git_commit, d.git_branch, d.git_dirty, d.workspace_id, d.configuration_id,
                  s.summary, s.artifact_paths,
                  coalesce(d.created_ms, s.created_ms, s.started_ms, s.completed_ms) AS sort_ms
           FROM ${db}runs_status s LEFT JOIN ${db}runs_d d USING (run_id)`,
    /** The phases of run `$run_id`, in order. */
    phases: `SELECT phase, phase_order, started_ms, completed_ms, duration_ms
             FROM ${db}phase_timings WHERE run_id = $run_id ORDER BY phase_order, phase`,
    /** The trials of run `$run_id`: params as JSON, metrics as a map of numbers. */
    trials: `SELECT trial_id, params, metrics, recorded_ms
             FROM ${db}trial_results WHERE run_id = $run_id ORDER BY recorded_ms, trial_id`,
    /** `trials` in no order, for what counts or folds them: sorting 50,000 rows is not free. */
    trialsAnyOrder: `SELECT trial_id, params, metrics, recorded_ms
                     FROM ${db}trial_results WHERE run_id = $run_id`,
    /** How many phases the run whose id is the SQL expression `runId` has. */
    phaseCount: (runId: string) => `(SELECT count(*) FROM ${db}phase_timings x WHERE x.run_id = ${runId})`,
    /** The highest `sharpe` metric among the trials of the run whose id is the SQL expression `runId`. */
    bestSharpe: (runId: string) =>
      `(SELECT max(x.metrics['sharpe']) FROM ${db}trial_results x WHERE x.run_id = ${runId})`,
    /** How many trials the run whose id is the SQL expression `runId` has. */
    trialCount: (runId: string) => `(SELECT count(*) FROM ${db}trial_results x WHERE x.run_id = ${runId})`,
  };
}
