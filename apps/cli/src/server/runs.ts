import { RUN_STATUSES, type RunListItem } from "@ledger/indexer";
import { LedgerError } from "@ledger/schema";
import type { RunSource } from "./run-source.js";

const STATUSES = new Set<string>(RUN_STATUSES);

function badRequest(message: string): LedgerError {
  return new LedgerError("LEDGER_BAD_REQUEST", message);
}

/** `GET /runs?status=&type=&since_ms=&limit=`: the query string checked, then the source's listing. */
export function runList(source: RunSource, params: URLSearchParams): Promise<RunListItem[]> {
  const status = params.get("status");
  if (status !== null && !STATUSES.has(status)) throw badRequest(`unknown status "${status.slice(0, 40)}"`);
  const since = params.get("since_ms");
  if (since !== null && !/^\d{1,15}$/.test(since)) throw badRequest("since_ms must be epoch milliseconds");
  const limit = params.get("limit") ?? "100";
  if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1) throw badRequest("limit must be 1 to 99999");
  const type = params.get("type");
  return source.list({
    ...(status !== null ? { status } : {}),
    ...(type !== null ? { type } : {}),
    ...(since !== null ? { createdFrom: Number(since) } : {}),
    limit: Number(limit),
  });
}
