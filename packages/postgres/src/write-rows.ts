import type { RunRecords } from "@ledger/indexer";
import type pg from "pg";
import { pgJson } from "./pg-json.js";

/** Columns of `ledger_runs` the sync writes, with their types in `json_to_recordset`. */
const RUN_COLUMNS: readonly (readonly [string, string])[] = [
  ["run_id", "text"],
  ["run_type", "text"],
  ["status", "text"],
  ["exit_code", "integer"],
  ["created_at", "timestamptz"],
  ["started_at", "timestamptz"],
  ["completed_at", "timestamptz"],
  ["duration_ms", "bigint"],
  ["summary", "jsonb"],
  ["config", "jsonb"],
  ["data_fingerprint", "text"],
  ["git", "jsonb"],
  ["workspace_id", "text"],
  ["configuration_id", "text"],
  ["events_file", "text"],
  ["events_offset", "bigint"],
  ["output_paths", "jsonb"],
  ["trial_count", "integer"],
  ["best_metric", "double precision"],
  ["best_trial", "text"],
  ["failed_phase", "text"],
];

const names = RUN_COLUMNS.map(([name]) => name);
const updated = names.filter((name) => name !== "run_id");

/**
 * One statement for a whole batch: rows arrive as one JSON array, so a batch costs one round
 * trip. A row equal to the stored one is not rewritten, so a sync with nothing new writes nothing
 * and the count is of rows that changed.
 */
const UPSERT_RUNS = `
  INSERT INTO ledger_runs (${names.join(", ")})
  SELECT ${names.join(", ")}
  FROM json_to_recordset($1::json) AS r(${RUN_COLUMNS.map(([n, t]) => `${n} ${t}`).join(", ")})
  ON CONFLICT (run_id) DO UPDATE SET ${updated.map((n) => `${n} = excluded.${n}`).join(", ")}
  WHERE (${updated.map((n) => `ledger_runs.${n}`).join(", ")})
    IS DISTINCT FROM (${updated.map((n) => `excluded.${n}`).join(", ")})`;

const PHASES = `
  INSERT INTO ledger_phases (run_id, phase, phase_order, started_at, completed_at, duration_ms)
  SELECT run_id, phase, phase_order, 'epoch'::timestamptz + started_ms * interval '1 millisecond',
         'epoch'::timestamptz + completed_ms * interval '1 millisecond', duration_ms
  FROM json_to_recordset($1::json)
    AS r(run_id text, phase text, phase_order integer, started_ms bigint, completed_ms bigint, duration_ms float8)`;

const ARTIFACTS = `
  INSERT INTO ledger_artifacts (run_id, position, artifact_id, kind, path, format, bytes, sha256)
  SELECT run_id, position, artifact_id, kind, path, format, bytes, sha256
  FROM json_to_recordset($1::json) AS r(run_id text, position integer, artifact_id text, kind text, path text,
                                        format text, bytes bigint, sha256 text)`;

export interface WriteCounts {
  /** Runs inserted or changed. */
  runs: number;
  phases: number;
  artifacts: number;
  /** Strings stored escaped because PostgreSQL refuses them as they are. */
  escaped: number;
}

/**
 * Writes one batch of runs, and replaces their phases and artifacts, inside the caller's
 * transaction: three statements and two deletes, whatever the batch's size.
 */
export async function writeRuns(client: pg.ClientBase, records: RunRecords): Promise<WriteCounts> {
  if (records.runs.length === 0) return { runs: 0, phases: 0, artifacts: 0, escaped: 0 };
  const runs = pgJson(
    records.runs.map((r) => ({
      ...r,
      git:
        r.git_commit === null && r.git_branch === null && r.git_dirty === null
          ? null
          : { commit: r.git_commit, branch: r.git_branch, dirty: r.git_dirty },
      output_paths: r.artifact_paths,
      trial_count: r.trials,
      best_metric: r.best_sharpe,
    })),
  );
  const upserted = await client.query(UPSERT_RUNS, [runs.text]);
  // Only runs the index has rows for: phases of a run with no lifecycle event yet stay out, as
  // they stay out of the index's own listings.
  const ids = records.runs.map((r) => r.run_id);
  await client.query("DELETE FROM ledger_phases WHERE run_id = ANY($1::text[])", [ids]);
  await client.query("DELETE FROM ledger_artifacts WHERE run_id = ANY($1::text[])", [ids]);
  const known = new Set(ids);
  const phaseRows = records.phases.filter((p) => known.has(p.run_id));
  const phases = pgJson(phaseRows);
  if (phaseRows.length > 0) await client.query(PHASES, [phases.text]);
  const positions = new Map<string, number>();
  const artifactRows = records.artifacts
    .filter((a) => known.has(a.run_id))
    .map((a) => {
      const position = positions.get(a.run_id) ?? 0;
      positions.set(a.run_id, position + 1);
      return { ...a, position };
    });
  const artifacts = pgJson(artifactRows);
  if (artifactRows.length > 0) await client.query(ARTIFACTS, [artifacts.text]);
  return {
    runs: upserted.rowCount ?? 0,
    phases: phaseRows.length,
    artifacts: artifactRows.length,
    escaped: runs.escaped + phases.escaped + artifacts.escaped,
  };
}
