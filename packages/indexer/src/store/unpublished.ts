import { BIGINT, type DuckDBConnection, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import type { LogFile } from "@ledger/writer";
import { IndexCheckError } from "../errors.js";
import { type ApplyCounts, scalar } from "../ingest/apply.js";
import type { IngestReport } from "../options.js";
import { INDEX_DATABASES, type IndexDatabase } from "../projections/define.js";
import { IndexReader } from "../reader.js";
import { readCheckpoints } from "./checkpoints.js";

// The accounting of what the attached generations hold and readers do not have yet: what the
// published databases hold, what a round cut short left unpublished, and the last bookkeeping
// before a round publishes. Each runs on the runs database's connection, with the generations
// attached.

/** Checkpoints of each published database: what readers have now (empty if unpublished). */
export async function publishedCheckpoints(
  root: string,
  indexDir: string,
): Promise<Record<IndexDatabase, Map<string, number>>> {
  const reader = new IndexReader({ root, indexDir });
  try {
    return {
      runs: await reader.checkpoints("runs"),
      catalog: await reader.checkpoints("catalog"),
      alerts: await reader.checkpoints("alerts"),
    };
  } finally {
    reader.close();
  }
}

/**
 * After a round that may have been cut short (at open, after a failure), the databases besides
 * runs that must be published whatever this round holds: one never published (a kill between
 * the first round's renames), and one whose generation has taken in more of the log than its
 * published file (a kill or a failure after it was committed, before it was published).
 * Otherwise readers would wait for an event of their types to see what is already indexed.
 */
export async function unpublishedDatabases(
  connection: DuckDBConnection,
  published: Record<IndexDatabase, Map<string, number>>,
  isPublished: (db: IndexDatabase) => boolean,
): Promise<IndexDatabase[]> {
  const databases = INDEX_DATABASES.filter((db) => db !== "runs");
  const never = databases.filter((db) => !isPublished(db));
  const attached = await readCheckpoints(connection);
  const ahead = databases.filter((db) =>
    [...attached[db]].some(([file, point]) => point.bytes > (published[db].get(file) ?? 0)),
  );
  return [...new Set([...never, ...ahead])];
}

/**
 * What the attached runs generation holds past the published checkpoints (`published`, by
 * file): rows a round committed but could not publish (it failed, or the process died). This
 * round publishes them without reading their lines again, so they are counted here, once.
 */
export async function unpublishedCounts(
  connection: DuckDBConnection,
  published: ReadonlyMap<string, number>,
): Promise<ApplyCounts> {
  const beyond = (table: string) =>
    `SELECT count(*) FROM runs.${table} t LEFT JOIN published p USING (file) WHERE t.byte_offset >= coalesce(p.bytes, 0)`;
  const row = (
    await connection.runAndReadAll(
      `WITH published AS (SELECT unnest($files) AS file, unnest($bytes) AS bytes)
       SELECT (${beyond("event_pointers")}), (${beyond("duplicate_events")}), (${beyond("quarantine")})`,
      {
        files: listValue([...published.keys()]),
        bytes: listValue([...published.values()].map((b) => BigInt(b))),
      },
      // Typed, for when nothing has been published yet and the lists are empty.
      { files: LIST(VARCHAR), bytes: LIST(BIGINT) },
    )
  ).getRows()[0];
  return {
    events: Number(row?.[0] ?? 0),
    duplicates: Number(row?.[1] ?? 0),
    quarantined: Number(row?.[2] ?? 0),
  };
}

/**
 * Parts the index took in that are gone from the log (deleted by retention) are archived.
 * `consumed` holds the files this round's runs generation has checkpoints for.
 */
export async function markArchived(
  connection: DuckDBConnection,
  files: readonly LogFile[],
  consumed: ReadonlyMap<string, number>,
): Promise<void> {
  const present = new Set(files.map((f) => f.logicalRel));
  const gone = [...consumed.keys()].filter((file) => !present.has(file));
  if (gone.length === 0) return;
  await connection.run(
    `INSERT INTO runs.archived_files
     SELECT file, epoch_ms(now()) FROM runs.ingest_checkpoints WHERE file IN (SELECT unnest($gone))
     ON CONFLICT (file) DO NOTHING`,
    { gone: listValue(gone) },
  );
}

/** A rebuilt index is published only if every accepted line is accounted for. */
export async function checkRebuilt(connection: DuckDBConnection, report: IngestReport): Promise<void> {
  const indexed = Number(await scalar(connection, "SELECT count(*) FROM runs.event_pointers"));
  const dups = Number(await scalar(connection, "SELECT count(*) FROM runs.duplicate_events"));
  if (indexed !== report.events || dups !== report.duplicates) {
    throw new IndexCheckError(
      `rebuilt index holds ${indexed} events and ${dups} duplicates, expected ${report.events} and ${report.duplicates}; not published`,
    );
  }
}
