import type { Query, RunRow, Source } from "./dual-mode.js";

/**
 * One field on which the index disagrees with the legacy database about a run. A run the index
 * lacks altogether is one row, `{ field: "run", legacy: "present", index: "missing from index" }`:
 * it has no field to compare. `reason` is set when the event model cannot express the legacy
 * value (a failed run with no completion time, say): nothing a second backfill could change.
 */
export interface Difference {
  run_id: string;
  field: string;
  legacy: string | null;
  index: string | null;
  reason?: string;
}

/** A field `compare()` could not check for any run, and why (the layout maps no column for it). */
export interface Unchecked {
  field: string;
  reason: string;
}

/** What `compare()` found: every difference, and every field it could not check. */
export interface Parity {
  differences: Difference[];
  unchecked: Unchecked[];
}

export const MISSING_FROM_INDEX = "missing from index";

/** A run found in both databases whose two answers differ; `winner` is the side served. */
export interface Conflict {
  run_id: string;
  winner: Source;
  legacy: Omit<RunRow, "source"> | null;
  index: Omit<RunRow, "source"> | null;
  fields: string[];
}

/** Runs in both databases whose answers differ. `runCtes` defines `legacy_runs` and `index_runs`. */
export async function findConflicts(query: Query, runCtes: string): Promise<Conflict[]> {
  const rows = await query(
    `WITH ${runCtes}
     SELECT l.run_id, to_json(l)::VARCHAR AS legacy, to_json(i)::VARCHAR AS idx,
            CASE WHEN l.created_ms < $cutover THEN 'legacy' ELSE 'index' END AS winner
     FROM legacy_runs l JOIN index_runs i USING (run_id)
     WHERE l.status IS DISTINCT FROM i.status OR l.created_ms IS DISTINCT FROM i.created_ms
        OR l.completed_ms IS DISTINCT FROM i.completed_ms OR l.run_type IS DISTINCT FROM i.run_type
     ORDER BY run_id`,
    {},
  );
  return rows.map((r) => {
    const legacy = JSON.parse(String(r.legacy)) as Omit<RunRow, "source">;
    const index = JSON.parse(String(r.idx)) as Omit<RunRow, "source">;
    const fields = (["status", "created_ms", "completed_ms", "run_type"] as const).filter(
      (f) => legacy[f] !== index[f],
    );
    return { run_id: String(r.run_id), winner: r.winner as Source, legacy, index, fields };
  });
}
