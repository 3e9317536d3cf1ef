import type { IndexReader } from "@ledger/indexer";

/** The index's answers that a recovery must not change, as one comparable string. */
export async function indexSnapshot(reader: IndexReader): Promise<string> {
  const rows = await reader.query(
    `SELECT (SELECT count(*) FROM event_pointers) AS events,
            (SELECT count(DISTINCT event_id) FROM event_pointers) AS ids,
            (SELECT count(*) FROM trial_results) AS trials,
            (SELECT md5(string_agg(event_id, ',' ORDER BY event_id)) FROM event_pointers) AS digest,
            (SELECT list(run_id || ':' || status ORDER BY run_id) FROM runs_status) AS runs`,
  );
  return JSON.stringify(rows[0]);
}
