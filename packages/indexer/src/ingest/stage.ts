import type { DuckDBConnection } from "@duckdb/node-api";
import type { Batch } from "./batch.js";

/**
 * Loads a batch into the tables `_files`, `_raw`, `_envelope`, `_repeated` and
 * `_quarantine_stage`, and the view `_stage`, of the in-memory database `stage`, which every
 * connection of the indexer sees (temporary tables would be the staging connection's alone).
 * Bodies go through the appender one value per row; every other column crosses as one
 * comma-joined string that DuckDB splits, because each value handed across the native boundary
 * costs more than parsing it. `_stage` is a view so the bodies are copied once, into each
 * database's `_fresh`, not twice (about 8% of a full rebuild's time).
 */
export async function stageBatch(connection: DuckDBConnection, batch: Batch): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TABLE stage._files (idx INTEGER, file VARCHAR, bytes BIGINT, source_bytes BIGINT, compressed BOOLEAN, published_bytes BIGINT);
     CREATE OR REPLACE TABLE stage._raw (body VARCHAR);
     CREATE OR REPLACE TABLE stage._quarantine_stage (file_idx INTEGER, byte_offset BIGINT, byte_length BIGINT, kind VARCHAR, reason VARCHAR, event_type VARCHAR);
     CREATE OR REPLACE TABLE stage._repeated (file_idx INTEGER, file VARCHAR, byte_offset BIGINT, event_id VARCHAR);`,
  );
  const files = await connection.createAppender("_files", "main", "stage");
  batch.files.forEach((f, i) => {
    files.appendInteger(i);
    files.appendVarchar(f.file);
    files.appendDouble(f.bytes);
    files.appendDouble(f.sourceBytes);
    files.appendBoolean(f.compressed);
    files.appendDouble(f.publishedBytes);
    files.endRow();
  });
  files.closeSync();
  const raw = await connection.createAppender("_raw", "main", "stage");
  for (const body of batch.bodies) {
    raw.appendVarchar(body);
    raw.endRow();
  }
  raw.closeSync();
  if (batch.quarantine.length > 0) {
    const q = await connection.createAppender("_quarantine_stage", "main", "stage");
    for (const line of batch.quarantine) {
      q.appendInteger(line.fileIdx);
      q.appendDouble(line.offset);
      q.appendDouble(line.length);
      q.appendVarchar(line.kind);
      q.appendVarchar(line.reason);
      if (line.eventType === undefined) q.appendNull();
      else q.appendVarchar(line.eventType);
      q.endRow();
    }
    q.closeSync();
  }
  // Lists are split in an inner query and unnested plainly: an unnest inside a cast or nullif
  // runs several times slower.
  const unnested = (n: number, offset = 0) =>
    `SELECT ${Array.from({ length: n }, (_, i) => `unnest(l${i}) AS c${i}`).join(", ")}
     FROM (SELECT ${Array.from({ length: n }, (_, i) => `string_split($${i + 1 + offset}, ',') AS l${i}`).join(", ")}
           WHERE $${n + 1 + offset})`;
  await connection.run(
    `CREATE OR REPLACE TABLE stage._envelope AS
     SELECT c0::INTEGER AS file_idx, c1::BIGINT AS byte_offset, c2::INTEGER AS byte_length,
            c3 AS event_id, c4 AS event_type, c5::INTEGER AS schema_version,
            nullif(c6, '') AS run_id, nullif(c7, '')::BIGINT AS seq, c8::BIGINT AS timestamp_ms
     FROM (${unnested(9)})`,
    [
      batch.fileIdx.join(","),
      batch.offsets.join(","),
      batch.lengths.join(","),
      batch.eventIds.join(","),
      batch.eventTypes.join(","),
      batch.versions.join(","),
      batch.runIds.join(","),
      batch.seqs.join(","),
      batch.timestamps.join(","),
      batch.bodies.length > 0,
    ],
  );
  await connection.run(
    `CREATE OR REPLACE VIEW stage._stage AS
     SELECT x.file_idx, f.file, x.byte_offset, x.byte_length, x.event_id, x.event_type, x.schema_version,
            x.run_id, x.seq, x.timestamp_ms, x.body
     FROM (SELECT * FROM stage._envelope POSITIONAL JOIN stage._raw) x
     JOIN stage._files f ON f.idx = x.file_idx`,
  );
  if (batch.repeated.length === 0) return;
  await connection.run(
    `CREATE OR REPLACE TABLE stage._repeated AS
     SELECT f.idx AS file_idx, f.file, p.c1::BIGINT AS byte_offset, p.c2 AS event_id
     FROM (${unnested(3)}) p JOIN stage._files f ON f.idx = p.c0::INTEGER`,
    [
      batch.repeated.map((r) => r.fileIdx).join(","),
      batch.repeated.map((r) => r.offset).join(","),
      batch.repeated.map((r) => r.eventId).join(","),
      true,
    ],
  );
}
