import type { IndexReader } from "@ledger/indexer";

/** Filters of a run listing; each becomes a bound parameter, never SQL text. */
export interface RunFilter {
  status?: string;
  type?: string;
  /** Created at or after (epoch ms). */
  sinceMs?: number;
  limit: number;
}

/** The latest runs matching `filter`, newest first, with their trial counts: `ledger runs` and `GET /runs`. */
export function listRuns(reader: IndexReader, filter: RunFilter): Promise<Record<string, unknown>[]> {
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
  return reader.query(
    `SELECT r.run_id, r.run_type, r.status, r.created_at, r.started_at, r.completed_at, r.duration_ms,
            r.exit_code, (SELECT count(*) FROM trial_results t WHERE t.run_id = r.run_id) AS trials
     FROM latest_runs r ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     LIMIT $${params.length}`,
    params,
  );
}

export interface RunDetail {
  run: Record<string, unknown>;
  phases: Record<string, unknown>[];
  /** Named as `ledger run --json` has always printed them. */
  trials: { trials: number; best_sharpe: number | null; best_trial: string | null };
  artifacts: Record<string, unknown>[];
}

/** One run's summary, phases, trials and artifacts: `ledger run ID` and `GET /runs/{id}`. */
export async function runDetail(reader: IndexReader, runId: string): Promise<RunDetail | undefined> {
  const [run] = await reader.query("SELECT * FROM latest_runs WHERE run_id = $1", [runId]);
  if (!run) return undefined;
  const phases = await reader.query(
    "SELECT phase, phase_order, started_ms, completed_ms, duration_ms FROM phase_timings WHERE run_id = $1 ORDER BY phase_order, phase",
    [runId],
  );
  const [trials] = await reader.query(
    `SELECT count(*)::INTEGER AS trials, max(metrics['sharpe']) AS best_sharpe,
            arg_max(trial_id, metrics['sharpe']) AS best_trial
     FROM trial_results WHERE run_id = $1`,
    [runId],
  );
  // The catalog database is absent from an index built before any artifact was recorded.
  const artifacts = await reader
    .query(
      "SELECT artifact_id, kind, path, format, bytes, sha256 FROM catalog.artifacts_catalog WHERE run_id = $1 ORDER BY path",
      [runId],
    )
    .catch(() => []);
  return {
    run,
    phases,
    trials: {
      trials: Number(trials?.trials ?? 0),
      best_sharpe: (trials?.best_sharpe as number | null | undefined) ?? null,
      best_trial: (trials?.best_trial as string | null | undefined) ?? null,
    },
    artifacts,
  };
}
