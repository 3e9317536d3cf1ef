import type { DuckDBConnection } from "@duckdb/node-api";
import { ProjectionError } from "../errors.js";
import type { IndexDatabase, Projection } from "../projections/define.js";
import { firstLine, sqlIdent, sqlString } from "../sql.js";

/**
 * What the batch added that readers did not have yet. A generation that lags one round behind
 * the published one re-reads that round; those lines are not counted again.
 */
export interface ApplyCounts {
  events: number;
  duplicates: number;
  quarantined: number;
}

const COLUMNS =
  "event_id, event_type, schema_version, run_id, seq, timestamp_ms, file, byte_offset, byte_length, body";

/**
 * Folds the staged batch into one database in one transaction: its new events (past its own
 * checkpoint of each file, first occurrence of each id), its projections, its event pointers and
 * its checkpoints. A crash before COMMIT leaves the database as it was; after, all of it.
 */
export async function applyToDatabase(
  connection: DuckDBConnection,
  database: IndexDatabase,
  projections: readonly Projection[],
): Promise<ApplyCounts> {
  const types = [...new Set(projections.flatMap((p) => p.eventTypes))];
  const db = sqlIdent(database);
  // The runs database points at every event; the others only at the types they project.
  const typeFilter =
    database === "runs" ? "" : `AND s.event_type IN (${types.map(sqlString).join(", ") || "NULL"})`;
  await connection.run(`USE ${db}`);
  await connection.run("BEGIN TRANSACTION");
  try {
    // `dup`: the database already holds this id (a retry, a backfill run twice). Repeats within
    // the batch were set aside in JavaScript, so no window function runs over the bodies.
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE _fresh AS
       SELECT s.*, s.event_id IN (SELECT event_id FROM ${db}.event_pointers) AS dup
       FROM temp._stage s LEFT JOIN ${db}.ingest_checkpoints c ON c.file = s.file
       WHERE s.byte_offset >= coalesce(c.bytes, 0) ${typeFilter}`,
    );
    const counts: ApplyCounts = { events: 0, duplicates: 0, quarantined: 0 };
    counts.events = Number(
      await scalar(
        connection,
        "SELECT count(*) FROM temp._fresh s JOIN temp._files f ON f.idx = s.file_idx WHERE NOT dup AND s.byte_offset >= f.published_bytes",
      ),
    );
    if (database === "runs") {
      await connection.run(
        `INSERT INTO duplicate_events
         SELECT event_id, file, byte_offset, epoch_ms(now()) FROM temp._fresh WHERE dup
         UNION ALL
         SELECT r.event_id, r.file, r.byte_offset, epoch_ms(now()) FROM temp._repeated r
         LEFT JOIN ${db}.ingest_checkpoints c ON c.file = r.file WHERE r.byte_offset >= coalesce(c.bytes, 0)`,
      );
      counts.duplicates = Number(
        await scalar(
          connection,
          `SELECT (SELECT count(*) FROM temp._fresh s JOIN temp._files f ON f.idx = s.file_idx
                   WHERE dup AND s.byte_offset >= f.published_bytes)
                + (SELECT count(*) FROM temp._repeated r JOIN temp._files f ON f.file = r.file
                   LEFT JOIN ${db}.ingest_checkpoints c ON c.file = r.file
                   WHERE r.byte_offset >= greatest(f.published_bytes, coalesce(c.bytes, 0)))`,
        ),
      );
      await connection.run(
        `INSERT INTO quarantine
         SELECT f.file, q.byte_offset, q.byte_length, q.kind, q.reason, q.event_type, epoch_ms(now())
         FROM temp._quarantine_stage q JOIN temp._files f ON f.idx = q.file_idx
         LEFT JOIN ${db}.ingest_checkpoints c ON c.file = f.file
         WHERE q.byte_offset >= coalesce(c.bytes, 0)`,
      );
      counts.quarantined = Number(
        await scalar(
          connection,
          `SELECT count(*) FROM temp._quarantine_stage q JOIN temp._files f ON f.idx = q.file_idx
           WHERE q.byte_offset >= f.published_bytes`,
        ),
      );
    }
    await connection.run(
      `INSERT INTO event_pointers
       SELECT event_id, event_type, schema_version, run_id, seq, timestamp_ms, file, byte_offset, byte_length
       FROM temp._fresh WHERE NOT dup`,
    );
    const fresh = Number(await scalar(connection, "SELECT count(*) FROM temp._fresh WHERE NOT dup"));
    if (fresh > 0) {
      for (const projection of projections) {
        if (projection.apply.length === 0) continue;
        await connection.run(
          `CREATE OR REPLACE TEMP VIEW new_events AS SELECT ${COLUMNS} FROM temp._fresh
           WHERE NOT dup AND event_type IN (${projection.eventTypes.map(sqlString).join(", ")})`,
        );
        for (const statement of projection.apply) {
          try {
            await connection.run(statement);
          } catch (error) {
            throw new ProjectionError(`projection ${projection.name} failed: ${firstLine(error)}`, {
              cause: error,
            });
          }
        }
      }
    }
    await connection.run(
      `INSERT INTO ingest_checkpoints
       SELECT file, bytes, source_bytes, compressed, epoch_ms(now()) FROM temp._files
       ON CONFLICT (file) DO UPDATE SET bytes = greatest(ingest_checkpoints.bytes, excluded.bytes),
         source_bytes = excluded.source_bytes, compressed = excluded.compressed,
         updated_ms = excluded.updated_ms`,
    );
    await connection.run("COMMIT");
    return counts;
  } catch (error) {
    await connection.run("ROLLBACK").catch(() => {});
    throw error;
  }
}

export async function scalar(connection: DuckDBConnection, sql: string): Promise<unknown> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRows()[0]?.[0];
}
