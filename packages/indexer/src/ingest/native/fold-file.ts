import type { DuckDBConnection } from "@duckdb/node-api";
import { type EventCatalogue, eventCheckSteps } from "@ledger/schema";
import { LineSplitter, type LogFile } from "@ledger/writer";
import { IndexCheckError } from "../../errors.js";
import { Batch, type BatchFile } from "../batch.js";
import { stageBatch } from "../stage.js";
import { textChunks } from "./chunks.js";

/** What a staged batch holds, for the statements that fold it into each database. */
export interface StagedBatch {
  types: ReadonlySet<string>;
  minEventId: string;
  quarantines: boolean;
  /** Whether the batch may hold lines repeating an id seen earlier in it (`stage._repeated`). */
  repeats: boolean;
  files: readonly BatchFile[];
}

/**
 * Log bytes per transaction when DuckDB reads the lines: larger than a JavaScript batch, as
 * each transaction's fixed cost is then spread over more lines, while a chunk's text, its
 * checks and the bodies each database copies stay inside the default memory limit.
 */
const CHUNK_BYTES = 16 * 1024 * 1024;

export interface NativeFold {
  connection: DuckDBConnection;
  catalogue: EventCatalogue;
  maxLineBytes: number;
  /** Applies what is staged to the databases; resolves once it is committed. */
  fold: (staged: StagedBatch) => Promise<void>;
}

/**
 * Folds one part file into the index with DuckDB splitting and checking its lines: JavaScript
 * only cuts the file into chunks at newlines and hands each over as one text. Lines the SQL
 * checks generated from the catalogue accept go from there straight into the staged batch;
 * every other line (rejected, undecided, an older version, too long) goes through the
 * JavaScript validator, as in a round, so the index and quarantine are the same either way.
 * Lines before `from` are skipped. Returns the offset after the last line folded, and whether
 * that is the end of the file's complete lines (`complete`) or where a line too long to hold in
 * a chunk starts (the caller reads on from there).
 */
export async function foldFileNatively(
  work: NativeFold,
  file: LogFile,
  meta: Omit<BatchFile, "bytes">,
  from: number,
): Promise<{ end: number; complete: boolean }> {
  let end = from;
  let complete = true;
  const limit = Math.max(CHUNK_BYTES, work.maxLineBytes) * 2;
  for await (const chunk of textChunks(file.path, file.compressed, from, CHUNK_BYTES, limit)) {
    if (chunk.stopped) {
      complete = false;
      break;
    }
    const text = chunk.bytes.toString("utf8");
    // Invalid UTF-8 is replaced when decoded, which would shift every offset after it.
    if (Buffer.byteLength(text) === chunk.bytes.length) await foldText(work, meta, chunk.start, text);
    else await foldInJavaScript(work, meta, chunk.start, chunk.bytes);
    end = chunk.start + chunk.bytes.length;
  }
  await work.connection.run(
    "DROP TABLE IF EXISTS stage._text; DROP TABLE IF EXISTS stage._meta; DROP TABLE IF EXISTS stage._native",
  );
  return { end, complete };
}

/** A chunk JavaScript reads line by line, as a round does. */
async function foldInJavaScript(
  work: NativeFold,
  meta: Omit<BatchFile, "bytes">,
  start: number,
  bytes: Buffer,
) {
  const batch = new Batch(work.catalogue);
  batch.beginFile(meta, start);
  new LineSplitter(start, work.maxLineBytes, batch).push(bytes, start);
  batch.advance(start + bytes.length);
  await stageBatch(work.connection, batch);
  await work.fold({
    ...batch,
    quarantines: batch.quarantine.length > 0,
    repeats: batch.repeated.length > 0,
  });
}

/** A chunk whose lines SQL checks, JavaScript taking the lines SQL does not accept. */
async function foldText(work: NativeFold, meta: Omit<BatchFile, "bytes">, start: number, text: string) {
  const { connection, catalogue, maxLineBytes } = work;
  // The text ends with a newline: the last element of the split is empty, not a line.
  await connection.run(
    `CREATE OR REPLACE TABLE stage._text AS SELECT unnest(string_split(left($1, -1), E'\\n')) AS line`,
    [text],
  );
  // Too long a line is quarantined unread, as JavaScript does: it is blanked, which no check
  // decides. Every step keeps the lines' order, so the tables line up row for row.
  const steps = eventCheckSteps(
    catalogue,
    `(SELECT rowid + 1 AS n, CASE WHEN strlen(line) + 1 <= ${maxLineBytes} THEN line ELSE '' END AS line FROM stage._text)`,
    "n",
  );
  await connection.run(
    `CREATE OR REPLACE TABLE stage._fields AS ${steps.fields};
     CREATE OR REPLACE TABLE stage._meta AS
     SELECT o.*, v.n AS checked_n, v.valid IS TRUE AS valid, v.event_id, v.event_type, v.schema_version, v.run_id,
            v.seq, v.timestamp_ms
     FROM (SELECT rowid + 1 AS n, ${start} + sum(strlen(line) + 1) OVER (ORDER BY rowid ROWS UNBOUNDED PRECEDING)
                  - strlen(line) - 1 AS byte_offset, strlen(line) AS byte_length
           FROM stage._text) o
     POSITIONAL JOIN (${steps.verdict("stage._fields")}) v;
     DROP TABLE stage._fields`,
  );
  // The chunk's rows of `_meta` and of `_text`, side by side (both are in the lines' order).
  const rows = `stage._meta m POSITIONAL JOIN (SELECT rowid + 1 AS text_n, line FROM stage._text) t`;
  const rest = await connection.runAndReadAll(
    `SELECT m.byte_offset, m.byte_length, CASE WHEN m.byte_length + 1 <= ${maxLineBytes} THEN t.line END
     FROM ${rows} WHERE NOT m.valid ORDER BY m.n`,
  );
  const end = start + Buffer.byteLength(text);
  const batch = new Batch(catalogue);
  batch.beginFile(meta, start);
  for (const [offset, length, line] of rest.getRows()) {
    // As the JavaScript reader counts: a line's length includes its newline.
    const bytes = Number(length) + 1;
    if (line === null) batch.tooLarge(Number(offset), bytes);
    else batch.line(String(line), Number(offset), bytes);
  }
  batch.advance(end);
  await stageBatch(connection, batch);
  await connection.run(
    `CREATE OR REPLACE TABLE stage._native AS
     SELECT 0 AS file_idx, m.byte_offset, (m.byte_length + 1)::INTEGER AS byte_length, m.event_id, m.event_type,
            m.schema_version, m.run_id, m.seq, m.timestamp_ms, t.line AS body, m.n = t.text_n AND m.n = m.checked_n AS aligned
     FROM ${rows} WHERE m.valid`,
  );
  await foldStaged(work, meta, batch, start, end - start);
}

/**
 * Folds what is staged: the accepted lines in `stage._native` and JavaScript's `batch`. The
 * first line of each event_id is the event; later ones are duplicates, as in a batch JavaScript
 * read (whose own repeats `stageBatch` already set aside).
 */
async function foldStaged(
  work: NativeFold,
  meta: Omit<BatchFile, "bytes">,
  batch: Batch,
  start: number,
  bytes: number,
) {
  const { connection } = work;
  await connection.run(
    `CREATE OR REPLACE TABLE stage._later AS
     SELECT byte_offset, event_id FROM (
       SELECT byte_offset, event_id, row_number() OVER (PARTITION BY event_id ORDER BY byte_offset) AS rank
       FROM (SELECT byte_offset, event_id FROM stage._native UNION ALL SELECT byte_offset, event_id FROM stage._envelope)
     ) WHERE rank > 1;
     INSERT INTO stage._repeated SELECT f.idx, f.file, r.byte_offset, r.event_id FROM stage._later r, stage._files f;
     CREATE OR REPLACE VIEW stage._stage AS
     SELECT x.file_idx, f.file, x.byte_offset, x.byte_length, x.event_id, x.event_type, x.schema_version,
            x.run_id, x.seq, x.timestamp_ms, x.body
     FROM (SELECT * EXCLUDE (aligned) FROM stage._native UNION ALL SELECT * FROM stage._envelope POSITIONAL JOIN stage._raw) x
     JOIN stage._files f ON f.idx = x.file_idx
     WHERE x.byte_offset NOT IN (SELECT byte_offset FROM stage._later)`,
  );
  const summary = await connection.runAndReadAll(
    `SELECT list(DISTINCT event_type), min(event_id), count(*) FILTER (WHERE NOT aligned),
            (SELECT sum(strlen(line) + 1) FROM stage._text) FROM stage._native`,
  );
  const [types, minNative, misaligned, split] = summary.getRows()[0] ?? [];
  // Each line must be paired with its own check and offsets, and the lines must be the text's.
  if (Number(misaligned) > 0 || Number(split) !== bytes)
    throw new IndexCheckError(`the lines of ${meta.file} from byte ${start} were split or paired wrongly`);
  const allTypes = new Set<string>(batch.types);
  for (const t of (types as { items?: unknown[] } | null)?.items ?? []) allTypes.add(String(t));
  const minEventId =
    [batch.minEventId, minNative === null || minNative === undefined ? "" : String(minNative)]
      .filter((c) => c !== "")
      .sort()[0] ?? "";
  await work.fold({
    types: allTypes,
    minEventId,
    quarantines: batch.quarantine.length > 0,
    repeats: true,
    files: batch.files,
  });
}
