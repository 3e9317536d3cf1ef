import type { DuckDBConnection } from "@duckdb/node-api";
import type { IndexDatabase } from "../projections/define.js";
import { inTransaction, sqlIdent, sqlString } from "../sql.js";

/**
 * Removes from one database, in one transaction, everything that came from the partitions of
 * `day` and later: every row of a table with an `event_id` column (projections, handoff
 * pointers), the event pointers, quarantine and duplicate records, and the checkpoints, so the
 * next round reads those partitions again.
 */
export async function forgetSince(c: DuckDBConnection, db: IndexDatabase, day: string): Promise<void> {
  const from = sqlString(`day=${day}`);
  await c.run(`USE ${sqlIdent(db)}`);
  await inTransaction(c, async () => {
    await c.run(
      `CREATE OR REPLACE TEMP TABLE _removed AS SELECT event_id FROM event_pointers WHERE file >= ${from}`,
    );
    const tables = await c.runAndReadAll(
      `SELECT DISTINCT c.table_name FROM duckdb_columns() c
       JOIN duckdb_tables() t ON t.database_name = c.database_name AND t.table_name = c.table_name
       WHERE c.database_name = ${sqlString(db)} AND c.column_name = 'event_id'
         AND c.table_name NOT IN ('event_pointers', 'duplicate_events')`,
    );
    for (const [table] of tables.getRows()) {
      await c.run(
        `DELETE FROM ${sqlIdent(String(table))} WHERE event_id IN (SELECT event_id FROM temp._removed)`,
      );
    }
    await c.run(`DELETE FROM event_pointers WHERE file >= ${from}`);
    if (db === "runs") {
      await c.run(`DELETE FROM quarantine WHERE file >= ${from}`);
      await c.run(`DELETE FROM duplicate_events WHERE file >= ${from}`);
    }
    await c.run(`DELETE FROM ingest_checkpoints WHERE file >= ${from}`);
  });
}
