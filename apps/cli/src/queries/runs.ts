import type { IndexReader } from "@ledger/indexer";
import { type ColumnKind, typedRow } from "./typed-row.js";

/** Filters of a run listing; each becomes a bound parameter, never SQL text. */
export interface RunFilter {
  status?: string;
  type?: string;
  /** Created at or after (epoch ms). */
  sinceMs?: number;
  limit: number;
}

/** Times are ISO 8601 in UTC, or null while the run has not reached them. */
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

export interface RunSummary extends Omit<RunListItem, "trials"> {
  data_fingerprint: string | null;
  git_commit: string | null;
  git_branch: string | null;
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

/** `GET /runs/{id}` and `ledger run ID --json`: one document, one shape. */
export interface RunDocument {
  run: RunSummary;
  phases: PhaseTiming[];
  trials: number;
  /** The trial with the highest `sharpe` metric, when any trial has one. */
  best_trial: { trial_id: string; sharpe: number } | null;
  artifacts: ArtifactEntry[];
}

type Kinds<T> = Record<keyof T, ColumnKind | "as-is">;

const RUN_TIMES = {
  run_id: "as-is",
  run_type: "as-is",
  status: "as-is",
  created_at: "time",
  started_at: "time",
  completed_at: "time",
  duration_ms: "number",
  exit_code: "number",
} as const;

const LIST_ITEM: Kinds<RunListItem> = { ...RUN_TIMES, trials: "number" };

const SUMMARY: Kinds<RunSummary> = {
  ...RUN_TIMES,
  data_fingerprint: "as-is",
  git_commit: "as-is",
  git_branch: "as-is",
  workspace_id: "as-is",
  configuration_id: "as-is",
  summary: "json",
  artifact_paths: "as-is",
};

const PHASE: Kinds<PhaseTiming> = {
  phase: "as-is",
  phase_order: "number",
  started_ms: "number",
  completed_ms: "number",
  duration_ms: "number",
};

const ARTIFACT: Kinds<ArtifactEntry> = {
  artifact_id: "as-is",
  kind: "as-is",
  path: "as-is",
  format: "as-is",
  bytes: "number",
  sha256: "as-is",
};

const columns = (kinds: object, alias = "") =>
  Object.keys(kinds)
    .map((c) => `${alias}${c}`)
    .join(", ");

/** The latest runs matching `filter`, newest first, with their trial counts: `ledger runs` and `GET /runs`. */
export async function listRuns(reader: IndexReader, filter: RunFilter): Promise<RunListItem[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  if (filter.type !== undefined) {
    params.push(filter.type);
    where.push(`run_type = $${params.length}`);
  }
  if (filter.sinceMs !== undefined) {
    params.push(filter.sinceMs);
    where.push(`created_at >= epoch_ms($${params.length}::BIGINT)`);
  }
  params.push(filter.limit);
  const rows = await reader.query(
    `SELECT ${columns(RUN_TIMES, "r.")},
            (SELECT count(*) FROM trial_results t WHERE t.run_id = r.run_id) AS trials
     FROM latest_runs r ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     LIMIT $${params.length}`,
    params,
  );
  return rows.map((row) => typedRow<RunListItem>(row, LIST_ITEM));
}

/** One run's summary, phases, trials and artifacts: `ledger run ID` and `GET /runs/{id}`. */
export async function runDocument(reader: IndexReader, runId: string): Promise<RunDocument | undefined> {
  const [run] = await reader.query(`SELECT ${columns(SUMMARY)} FROM latest_runs WHERE run_id = $1`, [runId]);
  if (!run) return undefined;
  const phases = await reader.query(
    `SELECT ${columns(PHASE)} FROM phase_timings WHERE run_id = $1 ORDER BY phase_order, phase`,
    [runId],
  );
  const [trials] = await reader.query(
    `SELECT count(*) AS trials, max(metrics['sharpe']) AS best_sharpe,
            arg_max(trial_id, metrics['sharpe']) AS best_trial
     FROM trial_results WHERE run_id = $1`,
    [runId],
  );
  // The catalog database is absent from an index built before any artifact was recorded.
  const artifacts = await reader
    .query(`SELECT ${columns(ARTIFACT)} FROM catalog.artifacts_catalog WHERE run_id = $1 ORDER BY path`, [
      runId,
    ])
    .catch(() => []);
  const best = trials?.best_trial;
  return {
    run: typedRow<RunSummary>(run, SUMMARY),
    phases: phases.map((row) => typedRow<PhaseTiming>(row, PHASE)),
    trials: Number(trials?.trials ?? 0),
    best_trial:
      best === null || best === undefined
        ? null
        : { trial_id: String(best), sharpe: Number(trials?.best_sharpe) },
    artifacts: artifacts.map((row) => typedRow<ArtifactEntry>(row, ARTIFACT)),
  };
}
