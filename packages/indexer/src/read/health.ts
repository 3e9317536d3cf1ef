import type { LogFile } from "@ledger/writer";
import { countLines, type IndexLag, measureLag } from "../lag.js";
import type { IndexReader } from "../reader.js";
import type { Row } from "./typed-rows.js";

/** What `ledger doctor` checks of a published index against the log beside it. */
export interface IndexHealth {
  /** Lines that failed to parse or validate, everywhere the index has read. */
  quarantined: number;
  /** Lines whose `event_id` was already indexed (retries, repeated backfills). */
  duplicates: number;
  lag: IndexLag;
  /**
   * Over the parts still in the log (retention may have deleted older ones, whose events the
   * index keeps): complete lines up to where the index has read, and how many of them the index
   * accounts for as events, quarantined lines or duplicates. Equal when nothing was lost.
   */
  parity: { lines: number; accounted: number };
  /** Up to 20 quarantined lines: file, byte_offset, kind, reason. */
  quarantineSample: Row[];
  /** Up to 20 repeated ids, most repeated first: event_id, repeats. */
  duplicateSample: Row[];
}

/** The published index's health against `files`, the log's parts as they are now. */
export async function indexHealth(reader: IndexReader, files: LogFile[]): Promise<IndexHealth> {
  const checkpoints = await reader.checkpoints();
  const present = new Set(files.map((f) => f.logicalRel));
  const perFile = await reader.rows(
    `SELECT file, sum(events) AS events, sum(quarantined) AS quarantined, sum(duplicates) AS duplicates
     FROM (SELECT file, count(*) AS events, 0 AS quarantined, 0 AS duplicates FROM event_pointers GROUP BY file
           UNION ALL SELECT file, 0, count(*), 0 FROM quarantine GROUP BY file
           UNION ALL SELECT file, 0, 0, count(*) FROM duplicate_events GROUP BY file)
     GROUP BY file`,
  );
  let quarantined = 0;
  let duplicates = 0;
  let accounted = 0;
  for (const row of perFile) {
    quarantined += Number(row.quarantined);
    duplicates += Number(row.duplicates);
    if (present.has(String(row.file)))
      accounted += Number(row.events) + Number(row.quarantined) + Number(row.duplicates);
  }
  let lines = 0;
  for (const file of files) {
    const upTo = checkpoints.get(file.logicalRel) ?? 0;
    if (upTo > 0) lines += await countLines(file, file.compressed ? Number.POSITIVE_INFINITY : upTo);
  }
  return {
    quarantined,
    duplicates,
    lag: measureLag(files, (f) => checkpoints.get(f)),
    parity: { lines, accounted },
    quarantineSample: await reader.rows(
      "SELECT file, byte_offset, kind, reason FROM quarantine ORDER BY file, byte_offset LIMIT 20",
    ),
    duplicateSample: await reader.rows(
      "SELECT event_id, count(*) AS repeats FROM duplicate_events GROUP BY event_id ORDER BY repeats DESC, event_id LIMIT 20",
    ),
  };
}
