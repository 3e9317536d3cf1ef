import type { IndexDatabase } from "../projections/define.js";

/** Bumped when the internal tables change shape; an index of another version is rebuilt. */
export const INDEX_FORMAT = 3;

/** Tables every index database keeps for itself, beside its projections. */
export function internalTables(database: IndexDatabase): string[] {
  const tables = [
    `CREATE TABLE IF NOT EXISTS ingest_checkpoints (
      file VARCHAR PRIMARY KEY,
      bytes BIGINT NOT NULL,
      source_bytes BIGINT NOT NULL,
      compressed BOOLEAN NOT NULL,
      updated_ms BIGINT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS event_pointers (
      event_id VARCHAR NOT NULL,
      event_type VARCHAR NOT NULL,
      schema_version INTEGER NOT NULL,
      run_id VARCHAR,
      seq BIGINT,
      timestamp_ms BIGINT NOT NULL,
      file VARCHAR NOT NULL,
      byte_offset BIGINT NOT NULL,
      byte_length INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS index_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  ];
  if (database === "runs") {
    tables.push(
      `CREATE TABLE IF NOT EXISTS quarantine (
        file VARCHAR NOT NULL,
        byte_offset BIGINT NOT NULL,
        byte_length BIGINT NOT NULL,
        kind VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        event_type VARCHAR,
        quarantined_ms BIGINT NOT NULL
      )`,
      // Parts retention deleted: their events stay in every table, marked archived here.
      `CREATE TABLE IF NOT EXISTS archived_files (file VARCHAR PRIMARY KEY, archived_ms BIGINT NOT NULL)`,
      `CREATE OR REPLACE VIEW archived_events AS
       SELECT p.*, a.archived_ms FROM event_pointers p JOIN archived_files a USING (file)`,
      // Where the events the other databases project are, so a database that sat out rounds
      // with nothing for it catches up by reading those lines alone (see ingest/handoff.ts).
      `CREATE TABLE IF NOT EXISTS handoff_pointers (
        db VARCHAR NOT NULL,
        event_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        byte_offset BIGINT NOT NULL,
        byte_length INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS duplicate_events (
        event_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        byte_offset BIGINT NOT NULL,
        seen_ms BIGINT NOT NULL
      )`,
    );
  }
  return tables;
}
