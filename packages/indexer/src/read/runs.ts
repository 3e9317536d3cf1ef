import type { IndexReader } from "../reader.js";
import { BEST_TRIAL, indexSql } from "./index-sql.js";
import { type RunFilter, type RunSortKey, runFilterSql } from "./run-filter.js";

/** A run in a listing. Times are ISO 8601 in UTC, or null while the run has not reached them. */
export interface RunListItem {
  run_id: string;
  run_type: string | null;
  status: string;
  created_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  trials: number;
}

/** Git provenance of a run, as `run.created` recorded it. */
export interface RunGit {
  commit: string | null;
  branch: string | null;
  dirty: boolean | null;
}

/** Everything the index knows of one run beside its phases, trials and artifacts. */
export interface RunSummary extends Omit<RunListItem, "trials"> {
  data_fingerprint: string | null;
  config: Record<string, unknown> | null;
  git_commit: string | null;
  git_branch: string | null;
  git_dirty: boolean | null;
  workspace_id: string | null;
  configuration_id: string | null;
  summary: Record<string, unknown> | null;
  artifact_paths: string[] | null;
}

export interface PhaseTiming {
  phase: string;
  phase_order: number | null;
  started_ms: number | null;
  completed_ms: number | null;
  duration_ms: number | null;
}

export interface ArtifactEntry {
  artifact_id: string | null;
  kind: string | null;
  path: string | null;
  format: string | null;
  bytes: number | null;
  sha256: string | null;
}

export interface TrialRow {
  trial_id: string | null;
  params: Record<string, unknown> | null;
  metrics: Record<string, number> | null;
  recorded_ms: number;
}

/** One run as `GET /runs/{id}` and `ledger run ID --json` show it. */
export interface RunDetail {
  run: RunSummary;
  phases: PhaseTiming[];
  trials: number;
  /** The trial with the highest `sharpe` metric, when any trial has one. */
  best_trial: { trial_id: string; sharpe: number } | null;
  artifacts: ArtifactEntry[];
}

const TIMES = `epoch_ms(created_ms) AS created_at, epoch_ms(started_ms) AS started_at,
               epoch_ms(completed_ms) AS completed_at`;
const LIST_COLUMNS = `run_id, run_type, status, ${TIMES}, duration_ms, exit_code`;
const SUMMARY_COLUMNS = `${LIST_COLUMNS}, data_fingerprint, config, git_commit, git_branch, git_dirty,
                         workspace_id, configuration_id, summary, artifact_paths`;

/** The SQL of each order over the index's runs (`r`), given the SQL of the trials count. */
function orderExpression(key: RunSortKey, sql: ReturnType<typeof indexSql>): string {
  switch (key) {
    case "created_at":
      return "sort_ms";
    case "trials":
      return sql.trialCount("r.run_id");
    case "best_sharpe":
      return sql.bestSharpe("r.run_id");
    default:
      return key;
  }
}

/**
 * The runs matching `filter`, in its order (newest first unless told otherwise), with their
 * trial counts.
 */
export async function listRuns(reader: IndexReader, filter: RunFilter = {}): Promise<RunListItem[]> {
  const sql = indexSql();
  const { where, params } = runFilterSql(filter);
  const direction = filter.descending === false ? "ASC" : "DESC";
  const order = `sort_key ${direction} NULLS LAST, run_id`;
  const rows = await reader.rows(
    `SELECT ${LIST_COLUMNS}, ${sql.trialCount("r.run_id")} AS trials
     FROM (SELECT *, ${orderExpression(filter.sort ?? "created_at", sql)} AS sort_key
           FROM (${sql.runs}) r ${where} ORDER BY ${order} LIMIT $limit OFFSET $offset) r
     ORDER BY ${order}`,
    { ...params, offset: filter.offset ?? 0 },
  );
  return rows as unknown as RunListItem[];
}

/**
 * One run's summary, phases, trial count and best trial, and artifacts; undefined if unknown.
 * Read from one snapshot, the parts at once.
 */
export async function runDetail(reader: IndexReader, runId: string): Promise<RunDetail | undefined> {
  const sql = indexSql();
  const bound = { run_id: runId };
  const catalog = reader.has("catalog");
  const [[run], phases, [trials], artifacts] = await reader.pinned(({ rows }) =>
    Promise.all([
      rows(`SELECT ${SUMMARY_COLUMNS} FROM (${sql.runs}) WHERE run_id = $run_id`, bound),
      rows(sql.phases, bound),
      rows(
        `SELECT count(*) AS trials, max(sharpe) AS sharpe, ${BEST_TRIAL} AS best
         FROM (SELECT trial_id, recorded_ms, metrics['sharpe'] AS sharpe FROM (${sql.trialsAnyOrder}))`,
        bound,
      ),
      // The catalog database appears with the first artifact or run pointer.
      catalog
        ? rows(
            `SELECT artifact_id, kind, path, format, bytes, sha256
             FROM catalog.artifacts_catalog WHERE run_id = $run_id ORDER BY path`,
            bound,
          )
        : [],
    ]),
  );
  if (!run) return undefined;
  const best = trials?.best;
  return {
    run: run as unknown as RunSummary,
    phases: phases as unknown as PhaseTiming[],
    trials: Number(trials?.trials ?? 0),
    best_trial:
      best === null || best === undefined ? null : { trial_id: String(best), sharpe: Number(trials?.sharpe) },
    artifacts: artifacts as unknown as ArtifactEntry[],
  };
}

/** The best trial (by `sharpe`) of each run named that has one, by run id. */
export async function bestTrials(
  reader: IndexReader,
  runIds: string[],
): Promise<Map<string, { best_trial: string; best_sharpe: number }>> {
  const rows = await reader.rows(
    `SELECT run_id, max(sharpe) AS best_sharpe, ${BEST_TRIAL} AS best_trial
     FROM (SELECT run_id, trial_id, recorded_ms, metrics['sharpe'] AS sharpe FROM trial_results
           WHERE run_id IN (SELECT unnest(from_json($ids, '["VARCHAR"]'))))
     GROUP BY run_id HAVING best_trial IS NOT NULL`,
    { ids: JSON.stringify(runIds) },
  );
  return new Map(
    rows.map((r) => [
      String(r.run_id),
      { best_trial: String(r.best_trial), best_sharpe: Number(r.best_sharpe) },
    ]),
  );
}

/** A run's trials in the order they were recorded. */
export async function runTrials(reader: IndexReader, runId: string): Promise<TrialRow[]> {
  return (await reader.rows(indexSql().trials, { run_id: runId })) as unknown as TrialRow[];
}

/** Where a run's events start in the log, so a replay can skip earlier partitions. */
export async function runStart(
  reader: IndexReader,
  runId: string,
): Promise<{ file: string; day: string } | undefined> {
  if (!reader.has("catalog")) return undefined;
  const [row] = await reader.rows("SELECT events_file FROM catalog.run_pointers WHERE run_id = $run_id", {
    run_id: runId,
  });
  const file = row?.events_file;
  const day = /^day=(\d{4}-\d{2}-\d{2})\//.exec(String(file ?? ""))?.[1];
  return typeof file === "string" && day ? { file, day } : undefined;
}
