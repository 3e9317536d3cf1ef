import { RUN_SORT_KEYS, RUN_STATUSES, type RunListItem, type RunSortKey } from "@ledger/indexer";
import { LedgerError } from "@ledger/schema";
import type { RunSource } from "./run-source.js";

const STATUSES = new Set<string>(RUN_STATUSES);
const SORT_KEYS = new Set<string>(RUN_SORT_KEYS);

function badRequest(message: string): LedgerError {
  return new LedgerError("LEDGER_BAD_REQUEST", message);
}

/** A run's best trial by the `sharpe` metric, as the list shows it. */
export interface BestTrial {
  best_trial: string | null;
  best_sharpe: number | null;
}

/** A run in `GET /runs`, with its best trial when `fields=best` asked for it. */
export type RunListing = RunListItem & Partial<BestTrial>;

/** Best trials of the runs named, by run id; those without trials may be left out. */
export type BestTrials = (runIds: string[]) => Promise<Map<string, BestTrial>>;

const epochMs = (name: string, value: string | null): number | undefined => {
  if (value === null) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badRequest(`${name} must be epoch milliseconds`);
  return Number(value);
};

/**
 * `GET /runs?status=&type=&since_ms=&until_ms=&sort=&order=&offset=&limit=&fields=best`: the
 * query string checked, then the source's listing, newest first unless `sort` (a column, or
 * `best_sharpe`) and `order` (`asc` or `desc`, the default) say otherwise. `until_ms` (created
 * before) pages back through a listing by time, `offset` through any order; `fields=best` adds
 * each run's best trial.
 */
export async function runList(source: RunSource, params: URLSearchParams): Promise<RunListing[]> {
  const status = params.get("status");
  if (status !== null && !STATUSES.has(status)) throw badRequest(`unknown status "${status.slice(0, 40)}"`);
  const since = epochMs("since_ms", params.get("since_ms"));
  const until = epochMs("until_ms", params.get("until_ms"));
  const limit = params.get("limit") ?? "100";
  if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1) throw badRequest("limit must be 1 to 99999");
  const sort = params.get("sort");
  if (sort !== null && !SORT_KEYS.has(sort))
    throw badRequest(`sort must be one of ${RUN_SORT_KEYS.join(", ")}, got "${sort.slice(0, 40)}"`);
  const order = params.get("order");
  if (order !== null && order !== "asc" && order !== "desc")
    throw badRequest('order must be "asc" or "desc"');
  const offset = params.get("offset") ?? "0";
  if (!/^\d{1,9}$/.test(offset)) throw badRequest("offset must be a whole number");
  const fields = params.get("fields");
  if (fields !== null && fields !== "best") throw badRequest('fields may only be "best"');
  const type = params.get("type");
  const runs: RunListing[] = await source.list({
    ...(status !== null ? { status } : {}),
    ...(type !== null ? { type } : {}),
    ...(since !== undefined ? { createdFrom: since } : {}),
    ...(until !== undefined ? { createdTo: until } : {}),
    ...(sort !== null ? { sort: sort as RunSortKey } : {}),
    ...(order !== null ? { descending: order === "desc" } : {}),
    ...(offset !== "0" ? { offset: Number(offset) } : {}),
    limit: Number(limit),
  });
  if (fields !== "best") return runs;
  const bests = runs.length > 0 ? await source.best(runs.map((r) => r.run_id)) : new Map<string, BestTrial>();
  return runs.map((run) => ({
    ...run,
    ...(bests.get(run.run_id) ?? { best_trial: null, best_sharpe: null }),
  }));
}
