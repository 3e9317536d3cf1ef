import type { DuckDBConnection } from "@duckdb/node-api";
import { INDEX_DATABASES, type IndexDatabase } from "../projections/define.js";
import { sqlIdent, sqlString } from "../sql.js";

/** How far a database has taken in one log file. */
export interface Checkpoint {
  /** Uncompressed bytes taken in: every line before this offset is in the database. */
  bytes: number;
  /** Size on disk when last read. */
  sourceBytes: number;
  compressed: boolean;
}

/** By logical file name, `day=…/part-….jsonl`. */
export type Checkpoints = Map<string, Checkpoint>;

/** Each attached index database's checkpoints, in one query. */
export async function readCheckpoints(
  connection: DuckDBConnection,
): Promise<Record<IndexDatabase, Checkpoints>> {
  const reader = await connection.runAndReadAll(
    INDEX_DATABASES.map(
      (db) =>
        `SELECT ${sqlString(db)}, file, bytes, source_bytes, compressed FROM ${sqlIdent(db)}.ingest_checkpoints`,
    ).join(" UNION ALL "),
  );
  const all: Record<IndexDatabase, Checkpoints> = { runs: new Map(), catalog: new Map(), alerts: new Map() };
  for (const [db, file, bytes, sourceBytes, compressed] of reader.getRows()) {
    all[db as IndexDatabase].set(String(file), {
      bytes: Number(bytes),
      sourceBytes: Number(sourceBytes),
      compressed: Boolean(compressed),
    });
  }
  return all;
}
