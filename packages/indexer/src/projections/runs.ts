import { defineProjection } from "./define.js";
import { earlierThanStored } from "./earlier.js";

/**
 * One row per run, from its `run.created` (the earliest one, if a retry wrote two). The earliest
 * is picked with `arg_min`, not a window: DuckDB's window operator costs about 7 ms a round even
 * for a few dozen runs, an aggregate a fraction of one.
 */
export const runsD = defineProjection({
  name: "runs_d",
  eventTypes: ["run.created"],
  setup: [
    `CREATE TABLE IF NOT EXISTS runs_d (
      run_id VARCHAR PRIMARY KEY,
      run_type VARCHAR,
      config JSON,
      data_fingerprint VARCHAR,
      git_commit VARCHAR,
      git_branch VARCHAR,
      git_dirty BOOLEAN,
      workspace_id VARCHAR,
      configuration_id VARCHAR,
      created_at TIMESTAMP,
      created_ms BIGINT NOT NULL,
      event_id VARCHAR NOT NULL
    )`,
  ],
  apply: [
    `INSERT INTO runs_d
     SELECT run_id, f.b.run_type, f.b.config, f.b.data_fingerprint, f.b.git.commit, f.b.git.branch,
            f.b.git.dirty, f.b.workspace_id, f.b.configuration_id, epoch_ms(f.t), f.t, f.id
     FROM (
       SELECT run_id,
         arg_min({t: timestamp_ms, id: event_id,
                  b: json_transform(body, '{"run_type":"VARCHAR","config":"JSON","data_fingerprint":"VARCHAR",
                    "git":{"commit":"VARCHAR","branch":"VARCHAR","dirty":"BOOLEAN"},
                    "workspace_id":"VARCHAR","configuration_id":"VARCHAR"}')},
                 (timestamp_ms, event_id)) AS f
       FROM new_events GROUP BY run_id
     )
     ON CONFLICT (run_id) DO UPDATE SET
       run_type = excluded.run_type, config = excluded.config,
       data_fingerprint = excluded.data_fingerprint, git_commit = excluded.git_commit,
       git_branch = excluded.git_branch, git_dirty = excluded.git_dirty,
       workspace_id = excluded.workspace_id, configuration_id = excluded.configuration_id,
       created_at = excluded.created_at, created_ms = excluded.created_ms, event_id = excluded.event_id
     WHERE excluded.created_ms < runs_d.created_ms`,
  ],
});

const EARLIER_COMPLETION = earlierThanStored("runs_status", "completed_ms");

/**
 * Where each run stands. Each lifecycle time keeps its earliest value and the status is derived
 * from which times are known, so the result is the same whatever order the events arrive in.
 */
export const runsStatus = defineProjection({
  name: "runs_status",
  eventTypes: ["run.created", "run.started", "run.completed"],
  setup: [
    `CREATE TABLE IF NOT EXISTS runs_status (
      run_id VARCHAR PRIMARY KEY,
      status VARCHAR NOT NULL,
      created_ms BIGINT,
      started_ms BIGINT,
      completed_ms BIGINT,
      duration_ms BIGINT,
      completion_status VARCHAR,
      exit_code INTEGER,
      summary JSON,
      artifact_paths VARCHAR[]
    )`,
  ],
  // Status and duration are computed from the merged times in the same upsert (SET expressions
  // all read the row as it was), so a round costs one statement, not an upsert and an update.
  apply: [
    `INSERT INTO runs_status
     SELECT run_id,
            CASE WHEN c.b.status IS NOT NULL THEN c.b.status WHEN started_ms IS NOT NULL THEN 'running'
                 WHEN created_ms IS NOT NULL THEN 'created' ELSE 'unknown' END,
            created_ms, started_ms, c.completed_ms, c.completed_ms - coalesce(started_ms, created_ms),
            c.b.status, c.b.exit_code, c.b.summary, c.b.artifact_paths
     FROM (
       SELECT run_id,
         min(timestamp_ms) FILTER (WHERE event_type = 'run.created') AS created_ms,
         min(timestamp_ms) FILTER (WHERE event_type = 'run.started') AS started_ms,
         arg_min({completed_ms: timestamp_ms,
                  b: json_transform(body, '{"status":"VARCHAR","exit_code":"INTEGER","summary":"JSON","artifact_paths":["VARCHAR"]}')},
                 timestamp_ms) FILTER (WHERE event_type = 'run.completed') AS c
       FROM new_events GROUP BY run_id
     )
     ON CONFLICT (run_id) DO UPDATE SET
       created_ms = least(runs_status.created_ms, excluded.created_ms),
       started_ms = least(runs_status.started_ms, excluded.started_ms),
       completion_status = ${EARLIER_COMPLETION} THEN excluded.completion_status ELSE runs_status.completion_status END,
       exit_code = ${EARLIER_COMPLETION} THEN excluded.exit_code ELSE runs_status.exit_code END,
       summary = ${EARLIER_COMPLETION} THEN excluded.summary ELSE runs_status.summary END,
       artifact_paths = ${EARLIER_COMPLETION} THEN excluded.artifact_paths ELSE runs_status.artifact_paths END,
       completed_ms = least(runs_status.completed_ms, excluded.completed_ms),
       status = CASE
         WHEN (${EARLIER_COMPLETION} THEN excluded.completion_status ELSE runs_status.completion_status END) IS NOT NULL
           THEN (${EARLIER_COMPLETION} THEN excluded.completion_status ELSE runs_status.completion_status END)
         WHEN least(runs_status.started_ms, excluded.started_ms) IS NOT NULL THEN 'running'
         WHEN least(runs_status.created_ms, excluded.created_ms) IS NOT NULL THEN 'created'
         ELSE 'unknown' END,
       duration_ms = least(runs_status.completed_ms, excluded.completed_ms)
         - coalesce(least(runs_status.started_ms, excluded.started_ms), least(runs_status.created_ms, excluded.created_ms))`,
  ],
});

/** One row per phase of a run; start and completion may arrive in either order. */
export const phaseTimings = defineProjection({
  name: "phase_timings",
  eventTypes: ["phase.started", "phase.completed"],
  setup: [
    `CREATE TABLE IF NOT EXISTS phase_timings (
      run_id VARCHAR NOT NULL,
      phase VARCHAR NOT NULL,
      phase_order INTEGER,
      started_ms BIGINT,
      completed_ms BIGINT,
      duration_ms DOUBLE,
      output_summary JSON,
      PRIMARY KEY (run_id, phase)
    )`,
  ],
  apply: [
    `INSERT INTO phase_timings
     SELECT run_id, phase, phase_order, started_ms, c.completed_ms, c.duration_ms, c.output_summary
     FROM (
       SELECT run_id, coalesce(b.phase, '') AS phase,
         min(b.phase_order) AS phase_order,
         min(timestamp_ms) FILTER (WHERE event_type = 'phase.started') AS started_ms,
         arg_min({completed_ms: timestamp_ms, duration_ms: b.duration_ms, output_summary: b.output_summary},
                 timestamp_ms) FILTER (WHERE event_type = 'phase.completed') AS c
       FROM (
         SELECT *, json_transform(body, '{"phase":"VARCHAR","phase_order":"INTEGER","duration_ms":"DOUBLE","output_summary":"JSON"}') AS b
         FROM new_events
       )
       GROUP BY ALL
     )
     ON CONFLICT (run_id, phase) DO UPDATE SET
       phase_order = coalesce(phase_timings.phase_order, excluded.phase_order),
       started_ms = least(phase_timings.started_ms, excluded.started_ms),
       duration_ms = ${earlierThanStored("phase_timings", "completed_ms")}
         THEN excluded.duration_ms ELSE phase_timings.duration_ms END,
       output_summary = ${earlierThanStored("phase_timings", "completed_ms")}
         THEN excluded.output_summary ELSE phase_timings.output_summary END,
       completed_ms = least(phase_timings.completed_ms, excluded.completed_ms)`,
  ],
});

/** One row per `trial.recorded`; metrics are typed as a map of doubles. */
export const trialResults = defineProjection({
  name: "trial_results",
  eventTypes: ["trial.recorded"],
  setup: [
    `CREATE TABLE IF NOT EXISTS trial_results (
      run_id VARCHAR NOT NULL,
      trial_id VARCHAR,
      params JSON,
      metrics MAP(VARCHAR, DOUBLE),
      recorded_ms BIGINT NOT NULL,
      event_id VARCHAR NOT NULL
    )`,
  ],
  apply: [
    `INSERT INTO trial_results
     SELECT run_id, b.trial_id, b.params, b.metrics, timestamp_ms, event_id
     FROM (
       SELECT *, json_transform(body, '{"trial_id":"VARCHAR","params":"JSON","metrics":"MAP(VARCHAR, DOUBLE)"}') AS b
       FROM new_events
     )`,
  ],
});

/** One row per `baseline.completed`. */
export const baselineResults = defineProjection({
  name: "baseline_results",
  eventTypes: ["baseline.completed"],
  setup: [
    `CREATE TABLE IF NOT EXISTS baseline_results (
      run_id VARCHAR NOT NULL,
      baseline_id VARCHAR,
      metrics MAP(VARCHAR, DOUBLE),
      completed_ms BIGINT NOT NULL,
      event_id VARCHAR NOT NULL
    )`,
  ],
  apply: [
    `INSERT INTO baseline_results
     SELECT run_id, b.baseline_id, b.metrics, timestamp_ms, event_id
     FROM (
       SELECT *, json_transform(body, '{"baseline_id":"VARCHAR","metrics":"MAP(VARCHAR, DOUBLE)"}') AS b
       FROM new_events
     )`,
  ],
});

/** The views: `latest_runs` (each run with its status) and `run_phase_summary` (per-run phase totals). */
export const runViews = defineProjection({
  name: "run_views",
  eventTypes: [],
  setup: [
    `CREATE OR REPLACE VIEW latest_runs AS
     SELECT s.run_id, d.run_type, s.status,
            epoch_ms(coalesce(d.created_ms, s.created_ms)) AS created_at,
            epoch_ms(s.started_ms) AS started_at, epoch_ms(s.completed_ms) AS completed_at,
            s.duration_ms, s.exit_code, d.data_fingerprint, d.git_commit, d.git_branch,
            d.workspace_id, d.configuration_id, s.summary, s.artifact_paths
     FROM runs_status s LEFT JOIN runs_d d USING (run_id)
     ORDER BY coalesce(d.created_ms, s.created_ms, s.started_ms, s.completed_ms) DESC, s.run_id`,
    `CREATE OR REPLACE VIEW run_phase_summary AS
     SELECT run_id, count(*) AS phases, count(completed_ms) AS phases_completed,
            sum(duration_ms) AS total_phase_ms, arg_max(phase, duration_ms) AS slowest_phase,
            max(duration_ms) AS slowest_phase_ms, list(phase ORDER BY phase_order, phase) AS phase_list
     FROM phase_timings GROUP BY run_id`,
  ],
  apply: [],
});
