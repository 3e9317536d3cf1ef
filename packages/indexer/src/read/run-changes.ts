import type { IndexReader } from "../reader.js";
import { BEST_TRIAL, indexSql } from "./index-sql.js";
import type { ArtifactEntry, PhaseTiming, RunSummary } from "./runs.js";
import type { Row } from "./typed-rows.js";

/**
 * Where a copy of the index has read up to: for each index database whose rows it copies, the
 * bytes of each log file (by logical name) that database had taken in, as `IndexReader.checkpoints`
 * gives them.
 */
export interface IndexOffsets {
  runs: ReadonlyMap<string, number>;
  catalog: ReadonlyMap<string, number>;
}

/** One run with everything a copy of the index keeps of it beside its phases and artifacts. */
export interface RunRecord extends RunSummary {
  trials: number;
  /** The trial with the highest `sharpe` metric (earliest recorded among equals), or null. */
  best_trial: string | null;
  best_sharpe: number | null;
  /** For a failed run, the last phase (by order) that started and never completed. */
  failed_phase: string | null;
  /** Where the run's earliest `run.created` is in the log: its file and byte offset. */
  events_file: string | null;
  events_offset: number | null;
}

export interface RunRecords {
  runs: RunRecord[];
  /** The phases of those runs, by run, in order. */
  phases: (PhaseTiming & { run_id: string })[];
  /** The artifacts of those runs, by run, then by path. */
  artifacts: (ArtifactEntry & { run_id: string })[];
}

/**
 * Ids (sorted) of the runs with events that the index took in past `since`: those whose rows
 * may differ from what a copy made at `since` holds. Only files whose offset differs from
 * `current` (what the index holds now) are looked at, so an idle round costs next to nothing.
 */
export async function runsChangedSince(
  reader: IndexReader,
  since: IndexOffsets,
  current: IndexOffsets,
): Promise<string[]> {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  for (const db of ["runs", "catalog"] as const) {
    const changed = [...current[db]]
      .filter(([file, bytes]) => since[db].get(file) !== bytes)
      .map(([file]) => {
        const from = since[db].get(file) ?? 0;
        // An index rebuilt to less than the copy saw: read the whole file again.
        return { file, bytes: from <= (current[db].get(file) ?? 0) ? from : 0 };
      });
    if (changed.length === 0 || (db === "catalog" && !reader.has("catalog"))) continue;
    params[db] = JSON.stringify(changed);
    const table = db === "runs" ? "event_pointers" : "catalog.event_pointers";
    parts.push(
      `SELECT p.run_id FROM ${table} p
       JOIN (SELECT unnest(from_json($${db}, '[{"file":"VARCHAR","bytes":"BIGINT"}]'), recursive := true)) s
         ON s.file = p.file
       WHERE p.run_id IS NOT NULL AND p.byte_offset >= s.bytes`,
    );
  }
  if (parts.length === 0) return [];
  // One JSON text rather than a row per run: a first sync lists every run.
  const [row] = await reader.query(
    `SELECT coalesce(to_json(list(run_id ORDER BY run_id)), '[]')::VARCHAR AS ids
     FROM (SELECT DISTINCT run_id FROM (${parts.join(" UNION ALL ")}))`,
    params,
  );
  return JSON.parse(String(row?.ids ?? "[]")) as string[];
}

/**
 * The SQL `runRecords` reads, for a copy of the index that encodes the rows itself (PostgreSQL's
 * `COPY` text, say) rather than taking them as objects. `withIds` opens a `WITH` clause defining
 * `ids(run_id)` from `$ids`, a JSON list of run ids; `runs`, `phases` and `artifacts` are queries
 * over it, each with the columns of `RunRecords`' rows, except that `runs` has the times as epoch
 * ms (`created_ms`, `started_ms`, `completed_ms`) in place of `created_at`, `started_at` and
 * `completed_at`. Unordered; unknown ids are left out.
 */
export interface RunRecordsSql {
  withIds: string;
  runs: string;
  phases: string;
  artifacts: string;
}

/** `RunRecordsSql` for the index `reader` reads (whether it has a catalog decides the pointers). */
export function runRecordsSql(reader: IndexReader): RunRecordsSql {
  const ids = "(SELECT run_id FROM ids)";
  const catalog = reader.has("catalog");
  const pointers = catalog
    ? `LEFT JOIN (SELECT run_id, events_file, events_offset FROM catalog.run_pointers WHERE run_id IN ${ids}) p
         USING (run_id)`
    : "";
  return {
    withIds: `WITH ids AS MATERIALIZED (SELECT unnest(from_json($ids, '["VARCHAR"]')) AS run_id)`,
    // The runs are picked first, so the joins below see only them. One pass over the trials
    // counts them and finds the best.
    runs: `SELECT r.run_id, r.run_type, r.status, r.created_ms, r.started_ms, r.completed_ms, r.duration_ms,
            r.exit_code, r.data_fingerprint, r.config, r.git_commit, r.git_branch, r.git_dirty, r.workspace_id,
            r.configuration_id, r.summary, r.artifact_paths,
            coalesce(t.trials, 0) AS trials, t.trial_id AS best_trial, t.sharpe AS best_sharpe,
            CASE WHEN r.status = 'failed' THEN f.phase END AS failed_phase,
            ${catalog ? "p.events_file, p.events_offset" : "NULL::VARCHAR AS events_file, NULL::BIGINT AS events_offset"}
     FROM (SELECT * FROM (${indexSql().runs}) WHERE run_id IN ${ids}) r
     LEFT JOIN (SELECT run_id, count(*) AS trials, max(sharpe) AS sharpe,
                       ${BEST_TRIAL} AS trial_id
                FROM (SELECT run_id, trial_id, recorded_ms, metrics['sharpe'] AS sharpe FROM trial_results
                      WHERE run_id IN ${ids})
                GROUP BY run_id) t
       USING (run_id)
     LEFT JOIN (SELECT run_id, phase FROM phase_timings WHERE run_id IN ${ids} AND completed_ms IS NULL
                QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY phase_order DESC NULLS LAST, phase DESC) = 1) f
       USING (run_id)
     ${pointers}`,
    phases: `SELECT run_id, phase, phase_order, started_ms, completed_ms, duration_ms
     FROM phase_timings WHERE run_id IN ${ids}`,
    artifacts: catalog
      ? `SELECT run_id, artifact_id, kind, path, format, bytes, sha256
         FROM catalog.artifacts_catalog WHERE run_id IN ${ids}`
      : `SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS artifact_id, NULL::VARCHAR AS kind, NULL::VARCHAR AS path,
           NULL::VARCHAR AS format, NULL::BIGINT AS bytes, NULL::VARCHAR AS sha256 WHERE false`,
  };
}

/** The rows of `runIds` (those the index knows; unknown ids are left out), phases and artifacts. */
export async function runRecords(reader: IndexReader, runIds: readonly string[]): Promise<RunRecords> {
  if (runIds.length === 0) return { runs: [], phases: [], artifacts: [] };
  const params = { ids: JSON.stringify(runIds) };
  const sql = runRecordsSql(reader);
  const runs = await jsonRows(
    reader,
    `${sql.withIds} SELECT run_id, run_type, status, ${iso("created_ms")} AS created_at, ${iso("started_ms")} AS started_at,
       ${iso("completed_ms")} AS completed_at, duration_ms, exit_code, data_fingerprint, config, git_commit, git_branch,
       git_dirty, workspace_id, configuration_id, summary, artifact_paths, trials, best_trial, best_sharpe,
       failed_phase, events_file, events_offset
     FROM (${sql.runs})`,
    "run_id",
    params,
  );
  const phases = await jsonRows(reader, `${sql.withIds} ${sql.phases}`, "run_id, phase_order, phase", params);
  const artifacts = reader.has("catalog")
    ? await jsonRows(
        reader,
        `${sql.withIds} ${sql.artifacts}`,
        "run_id, path, artifact_id, kind, format, bytes, sha256",
        params,
      )
    : [];
  return {
    runs: runs as unknown as RunRecord[],
    phases: phases as unknown as RunRecords["phases"],
    artifacts: artifacts as unknown as RunRecords["artifacts"],
  };
}

/** An epoch-ms column as ISO 8601 in UTC, the text `Row` gives times as. */
const iso = (column: string) => `strftime(epoch_ms(${column}), '%Y-%m-%dT%H:%M:%S.%gZ')`;

/**
 * The rows of `sql`, ordered by `orderBy`, typed as `Row` types them. DuckDB writes the whole
 * result as one JSON array that V8 parses at once: for the thousands of rows a sync reads per
 * batch, several times faster than converting value by value.
 */
async function jsonRows(
  reader: IndexReader,
  sql: string,
  orderBy: string,
  params: Record<string, string>,
): Promise<Row[]> {
  const order = orderBy
    .split(",")
    .map((c) => `x.${c.trim()}`)
    .join(", ");
  const [row] = await reader.query(
    `SELECT coalesce(to_json(list(x ORDER BY ${order})), '[]')::VARCHAR AS rows FROM (${sql}) x`,
    params,
  );
  return JSON.parse(String(row?.rows ?? "[]")) as Row[];
}
