/** Anything that queries a published index: an `IndexReader` from the sources or the build. */
type Queryable = { query(sql: string): Promise<Record<string, unknown>[]> };

const TABLES = [
  "runs_d",
  "runs_status",
  "phase_timings",
  "trial_results",
  "baseline_results",
  "event_pointers",
  "handoff_pointers",
  "catalog.artifacts_catalog",
  "catalog.run_pointers",
  "catalog.event_pointers",
  "alerts.alerts",
  "alerts.event_pointers",
];

/**
 * Row count and an md5 of the sorted rows of every projected table and the event pointers: two
 * indexes of the same log (incremental and rebuilt, before and after a crash) must give equal
 * digests.
 */
export async function indexDigest(r: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await r.query(
      `SELECT count(*) || ' ' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') AS digest
       FROM ${table} t`,
    );
    out[table] = String(row?.digest);
  }
  return out;
}
