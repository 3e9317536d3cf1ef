import { indexSql } from "@ledger/indexer";
import type { Query, RunRow, Source } from "./dual-mode.js";
import type { LegacyLayout } from "./layout.js";
import { legacySql } from "./legacy-sql.js";

/**
 * One field on which the index disagrees with the legacy database about a run. A run the index
 * lacks altogether is one row, `{ field: "run", legacy: "present", index: "missing from index" }`:
 * it has no field to compare.
 */
export interface Difference {
  run_id: string;
  field: string;
  legacy: string | null;
  index: string | null;
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

/** Field-by-field differences for every run the legacy side answers for (see `DualMode.compare`). */
export async function compareSides(
  query: Query,
  runCtes: string,
  layout: LegacyLayout,
): Promise<Difference[]> {
  const legacy = legacySql(layout);
  const index = indexSql("idx.");
  const rows = await query(
    `WITH ${runCtes},
     legacy_side AS (
       SELECT l.*, (SELECT count(*) FROM (${legacy.phases}) x WHERE x.run_id = l.run_id) AS phases,
              (SELECT count(*) FROM (${legacy.trials}) x WHERE x.run_id = l.run_id) AS trials
       FROM legacy_runs l WHERE l.created_ms < $cutover),
     index_side AS (
       SELECT i.*, ${index.phaseCount("i.run_id")} AS phases, ${index.trialCount("i.run_id")} AS trials
       FROM index_runs i WHERE i.run_id IN (SELECT run_id FROM legacy_side)),
     fields AS (
       SELECT l.run_id, f.field, f.legacy_value, f.index_value
       FROM legacy_side l JOIN index_side i USING (run_id),
       LATERAL (VALUES
         ('status', l.status::VARCHAR, i.status::VARCHAR),
         ('run_type', l.run_type, i.run_type),
         ('created_ms', l.created_ms::VARCHAR, i.created_ms::VARCHAR),
         ('started_ms', l.started_ms::VARCHAR, i.started_ms::VARCHAR),
         ('completed_ms', l.completed_ms::VARCHAR, i.completed_ms::VARCHAR),
         ('exit_code', l.exit_code::VARCHAR, i.exit_code::VARCHAR),
         ('phases', l.phases::VARCHAR, i.phases::VARCHAR),
         ('trials', l.trials::VARCHAR, i.trials::VARCHAR)) f(field, legacy_value, index_value))
     SELECT run_id, field, legacy_value, index_value
     FROM fields WHERE legacy_value IS DISTINCT FROM index_value
     UNION ALL
     SELECT run_id, 'run', 'present', $missing
     FROM legacy_side WHERE run_id NOT IN (SELECT run_id FROM index_side)
     ORDER BY run_id, field`,
    { missing: MISSING_FROM_INDEX },
  );
  return rows.map((r) => ({
    run_id: String(r.run_id),
    field: String(r.field),
    legacy: r.legacy_value === null ? null : String(r.legacy_value),
    index: r.index_value === null ? null : String(r.index_value),
  }));
}
