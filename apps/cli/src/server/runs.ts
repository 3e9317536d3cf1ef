import type { IndexReader } from "@ledger/indexer";
import { LedgerError } from "@ledger/schema";

const STATUSES = new Set(["created", "running", "succeeded", "failed", "cancelled", "unknown"]);

function badRequest(message: string): LedgerError {
  return new LedgerError("LEDGER_BAD_REQUEST", message);
}

/** `GET /runs?status=&type=&since_ms=&limit=`: filters are bound parameters, never SQL text. */
export async function runList(
  reader: IndexReader,
  params: URLSearchParams,
): Promise<Record<string, unknown>[]> {
  const where: string[] = [];
  const values: (string | number)[] = [];
  const status = params.get("status");
  if (status !== null) {
    if (!STATUSES.has(status)) throw badRequest(`unknown status "${status.slice(0, 40)}"`);
    values.push(status);
    where.push(`status = $${values.length}`);
  }
  const type = params.get("type");
  if (type !== null) {
    values.push(type);
    where.push(`run_type = $${values.length}`);
  }
  const since = params.get("since_ms");
  if (since !== null) {
    if (!/^\d{1,15}$/.test(since)) throw badRequest("since_ms must be epoch milliseconds");
    values.push(Number(since));
    where.push(`created_at >= epoch_ms($${values.length}::BIGINT)`);
  }
  const limit = params.get("limit") ?? "100";
  if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1) throw badRequest("limit must be 1 to 99999");
  values.push(Number(limit));
  return reader.query(
    `SELECT run_id, run_type, status, created_at, started_at, completed_at, duration_ms, exit_code
     FROM latest_runs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} LIMIT $${values.length}`,
    values,
  );
}

/** `GET /runs/{id}`: the run's summary, phases, trial count and artifacts. */
export async function runDetail(
  reader: IndexReader,
  runId: string,
): Promise<Record<string, unknown> | undefined> {
  const [run] = await reader.query("SELECT * FROM latest_runs WHERE run_id = $1", [runId]);
  if (!run) return undefined;
  const phases = await reader.query(
    "SELECT phase, phase_order, started_ms, completed_ms, duration_ms FROM phase_timings WHERE run_id = $1 ORDER BY phase_order, phase",
    [runId],
  );
  const [trials] = await reader.query(
    "SELECT count(*)::INTEGER AS count FROM trial_results WHERE run_id = $1",
    [runId],
  );
  const artifacts = await reader
    .query(
      "SELECT artifact_id, kind, path, format, bytes, sha256 FROM catalog.artifacts_catalog WHERE run_id = $1",
      [runId],
    )
    .catch(() => []);
  return { run, phases, trials: trials?.count ?? 0, artifacts };
}
