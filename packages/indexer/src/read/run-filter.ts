import type { DuckDBValue } from "@duckdb/node-api";

/** Which runs a listing wants. Every value reaches DuckDB as a bound parameter, never as SQL. */
export interface RunFilter {
  status?: string;
  /** The run's `run_type`. */
  type?: string;
  /** Created at or after (epoch ms). */
  createdFrom?: number;
  /** Created before (epoch ms). */
  createdTo?: number;
  /** @default 100 */
  limit?: number;
  /** What the runs are ordered by; ties by run id. @default "created_at" */
  sort?: RunSortKey;
  /** Highest (newest, longest, most) first. @default true */
  descending?: boolean;
  /** Runs skipped before the first one listed: paging through an order other than time. @default 0 */
  offset?: number;
}

/** What a listing of runs can be ordered by: a column of the listing, or the best trial's sharpe. */
export const RUN_SORT_KEYS = [
  "created_at",
  "duration_ms",
  "trials",
  "best_sharpe",
  "status",
  "run_type",
  "run_id",
] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number];

/** The statuses a run can have: from `run.completed`, else from how far its events got. */
export const RUN_STATUSES = ["created", "running", "succeeded", "failed", "cancelled", "unknown"] as const;

/**
 * The filter as a WHERE clause over columns `status`, `run_type` and `created_ms` (epoch ms),
 * with named parameters, and `$limit`. One builder for every listing of runs, whichever
 * database answers it.
 */
export function runFilterSql(filter: RunFilter): { where: string; params: Record<string, DuckDBValue> } {
  const where: string[] = [];
  const params: Record<string, DuckDBValue> = { limit: filter.limit ?? 100 };
  if (filter.status !== undefined) {
    where.push("status = $status");
    params.status = filter.status;
  }
  if (filter.type !== undefined) {
    where.push("run_type = $run_type");
    params.run_type = filter.type;
  }
  if (filter.createdFrom !== undefined) {
    where.push("created_ms >= $created_from");
    params.created_from = filter.createdFrom;
  }
  if (filter.createdTo !== undefined) {
    where.push("created_ms < $created_to");
    params.created_to = filter.createdTo;
  }
  return { where: where.length > 0 ? `WHERE ${where.join(" AND ")}` : "", params };
}
