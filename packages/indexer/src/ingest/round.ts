import type { DuckDBConnection } from "@duckdb/node-api";
import { DEFAULT_MAX_LINE_BYTES, type EventCatalogue } from "@ledger/schema";
import type { LogFile } from "@ledger/writer";
import type { IndexerOptions, IngestReport } from "../options.js";
import { DEFAULT_BATCH_BYTES } from "../options-check.js";
import {
  INDEX_DATABASES,
  type IndexDatabase,
  type Projection,
  projectionsIn,
} from "../projections/define.js";
import { allSettled } from "../settled.js";
import { type Checkpoints, readCheckpoints } from "../store/checkpoints.js";
import { timed } from "../trace.js";
import { type ApplyCounts, applyToDatabase } from "./apply.js";
import { Batch, type BatchFile } from "./batch.js";
import { type Handoff, handoffLines, handoffPairs, type QuietRanges, readLines } from "./handoff.js";
import { foldFileNatively, type StagedBatch } from "./native/fold-file.js";
import { planRound } from "./plan.js";
import { scanGzip, scanPlain } from "./scan-file.js";
import { stageBatch } from "./stage.js";

/** What a round reads the log with and writes into. */
export interface RoundContext {
  /** One per index database; a round runs with the generation of every database attached. */
  connections: Record<IndexDatabase, DuckDBConnection>;
  projections: readonly Projection[];
  catalogue: EventCatalogue;
  options: IndexerOptions;
  /**
   * Stretches of the log with no event for a database, which it need not catch up on; kept from
   * round to round, and each round adds what it learns.
   */
  quiet: QuietRanges;
}

export function emptyReport(mode: IngestReport["mode"], started: number): IngestReport {
  return {
    mode,
    events: 0,
    duplicates: 0,
    quarantined: 0,
    bytes: 0,
    files: 0,
    published: false,
    durationMs: performance.now() - started,
  };
}

/** Two rounds as one: the second's outcome, with both rounds' counts, bytes, files and time. */
export function addReports(first: IngestReport, second: IngestReport): IngestReport {
  return {
    ...second,
    events: first.events + second.events,
    duplicates: first.duplicates + second.duplicates,
    quarantined: first.quarantined + second.quarantined,
    bytes: first.bytes + second.bytes,
    files: first.files + second.files,
    durationMs: first.durationMs + second.durationMs,
  };
}

/** Adds `counts` (events, duplicates, quarantined lines) to the report's. */
export function addCounts(report: IngestReport, counts: Partial<ApplyCounts>): void {
  report.events += counts.events ?? 0;
  report.duplicates += counts.duplicates ?? 0;
  report.quarantined += counts.quarantined ?? 0;
}

/**
 * Reads what the log gained past the runs database's checkpoints, and what lagging databases
 * need from before them, in batches of about `batchBytes`, and folds each batch into every
 * database it has events for and every one in `dirty` (which the round adds to). Nothing is
 * published. `published`: each file's published checkpoint, the bytes readers already have.
 * Returns the counts and each file's checkpoint in the runs generation.
 */
export async function ingestRound(
  context: RoundContext,
  files: LogFile[],
  mode: IngestReport["mode"],
  dirty: Set<IndexDatabase>,
  published: ReadonlyMap<string, number>,
): Promise<{ report: IngestReport; consumed: Map<string, number> }> {
  const { connections, options } = context;
  const { onPhase } = options;
  const connection = connections.runs;
  const { points, handoff } = await timed(onPhase, "checkpoints", async () => {
    const points = await readCheckpoints(connection);
    return { points, handoff: await lagging(context, points) };
  });
  // Wall time spent scanning the log, less the waits for the previous batch to be folded in.
  let readMs = 0;
  let readFrom = performance.now();
  const report = emptyReport(mode, performance.now());
  const { work, catchUp } = planRound(files, points.runs, handoff.lines);
  const bytesTotal = work.reduce((n, w) => n + (w.file.compressed ? w.size : w.size - w.from), 0);
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const handoffTypes = handoffPairs(context.projections);
  const projectionsOf = (db: IndexDatabase) => projectionsIn(context.projections, db);
  let batch = new Batch(context.catalogue);
  let pending: Promise<void> = Promise.resolve();
  const consumed = new Map<string, number>();
  for (const [file, point] of points.runs) consumed.set(file, point.bytes);
  // Bytes read of the plain file being scanned: `report.bytes` counts a file once it is done,
  // and progress would otherwise stand still through a single large part.
  let inFile = 0;
  /** Folds the staged batch into every database it has events for, and every dirty one. */
  const fold = async (staged: StagedBatch, bytesDone: number) => {
    const writing = INDEX_DATABASES.filter(
      (db) => dirty.has(db) || projectionsOf(db).some((p) => p.eventTypes.some((t) => staged.types.has(t))),
    );
    for (const db of writing) dirty.add(db);
    const counts = await allSettled(
      writing.map((db) =>
        applyToDatabase(
          connections[db],
          {
            database: db,
            projections: projectionsOf(db),
            minEventId: staged.minEventId,
            batchTypes: staged.types,
            quarantines: staged.quarantines,
            repeats: staged.repeats,
            handoff: handoffTypes,
          },
          options.trace !== undefined,
          onPhase,
        ),
      ),
    );
    for (const c of counts) addCounts(report, c);
    for (const f of staged.files) consumed.set(f.file, Math.max(consumed.get(f.file) ?? 0, f.bytes));
    options.onProgress?.({ bytesDone, bytesTotal, events: report.events });
  };
  const send = () => {
    const bytesDone = report.bytes + inFile;
    const full = batch;
    batch = new Batch(context.catalogue);
    const previous = pending;
    pending = previous.then(async () => {
      await timed(onPhase, "stage", () => stageBatch(connection, full));
      await fold(
        { ...full, quarantines: full.quarantine.length > 0, repeats: full.repeated.length > 0 },
        bytesDone,
      );
    });
    // A failure surfaces at the next await of `pending`; keep it from being unhandled meanwhile.
    pending.catch(() => {});
    readMs += performance.now() - readFrom;
    return previous.finally(() => {
      readFrom = performance.now();
    });
  };
  const metaOf = (file: LogFile, size: number): Omit<BatchFile, "bytes"> => ({
    file: file.logicalRel,
    sourceBytes: size,
    compressed: file.compressed,
    publishedBytes: mode === "full" ? 0 : (published.get(file.logicalRel) ?? 0),
  });
  try {
    // Lines lagging databases need from before this round's start. A split batch records, as
    // its checkpoint, the offset of the next line still to come, so a crash between batches
    // leaves each database with a checkpoint it has everything before.
    for (const { file, lines, to, size } of catchUp) {
      const meta = metaOf(file, size);
      batch.beginFile(meta, 0);
      let i = 0;
      for (const [text, line] of readLines(file.path, lines)) {
        batch.line(text, line.offset, line.length);
        report.bytes += line.length;
        const next = lines[++i];
        if (next && batch.bytes >= batchBytes) {
          batch.advance(next.offset);
          await send();
          batch.beginFile(meta, 0);
        }
      }
      batch.advance(to);
    }
    // A full rebuild may let DuckDB read each file; what it leaves (see foldFileNatively) is
    // read as in a round.
    const native = mode === "full" && options.fullRebuildReader === "native";
    for (const { file, size, ...scanFrom } of work) {
      let from = scanFrom.from;
      report.files++;
      const meta = metaOf(file, size);
      if (native) {
        if (batch.files.length > 0) await send();
        await pending;
        const folded = await foldFileNatively(
          {
            connection,
            catalogue: context.catalogue,
            maxLineBytes,
            fold: (staged) => fold(staged, report.bytes),
          },
          file,
          meta,
          from,
        );
        const done = folded.complete && folded.end > from && (file.compressed || folded.end >= size);
        if (done) {
          report.bytes += file.compressed ? size : folded.end - from;
          continue;
        }
        // Read on in JavaScript: the unfinished last line (its checkpoint stays before it), a line
        // too long to hold, or what was appended meanwhile.
        report.bytes += file.compressed ? 0 : folded.end - from;
        from = folded.end;
      }
      batch.beginFile(meta, from);
      const between = async (at: number) => {
        // A gzipped part's offsets count decompressed bytes, not the compressed bytes of the total.
        if (!file.compressed) inFile = at - from;
        batch.advance(at);
        if (batch.bytes < batchBytes) return;
        await send();
        batch.beginFile(meta, at);
      };
      const scan = {
        maxLineBytes,
        sink: {
          line: (text: string, offset: number, length: number) => {
            batch.line(text, offset, length);
          },
          tooLarge: (offset: number, length: number) => {
            batch.tooLarge(offset, length);
          },
        },
        between,
      };
      const end = file.compressed
        ? await scanGzip(file.path, from, scan)
        : await scanPlain(file.path, from, scan);
      batch.advance(end);
      inFile = 0;
      report.bytes += file.compressed ? size : end - from;
    }
    await send();
    onPhase?.("read", readMs);
    await pending;
  } catch (error) {
    // A batch still being folded would write into generations the caller detaches next.
    await pending.catch(() => {});
    throw error;
  }
  for (const db of INDEX_DATABASES) {
    if (db === "runs" || dirty.has(db)) continue;
    for (const { file, from } of work)
      context.quiet.add(db, file.logicalRel, from, consumed.get(file.logicalRel) ?? 0);
  }
  return { report, consumed };
}

/** What the databases behind the runs database need from before this round. */
async function lagging(context: RoundContext, points: Record<IndexDatabase, Checkpoints>): Promise<Handoff> {
  // Only a database behind the runs database on some file, in a stretch not known to hold
  // nothing for it, can need lines from before the round.
  const behindOn = new Map<IndexDatabase, [string, number, number][]>();
  for (const db of INDEX_DATABASES) {
    if (db === "runs") continue;
    const stretches = [...points.runs]
      .map(([file, p]): [string, number, number] => [file, points[db].get(file)?.bytes ?? 0, p.bytes])
      .filter(([file, from, to]) => !context.quiet.covers(db, file, from, to));
    if (stretches.length > 0) behindOn.set(db, stretches);
  }
  const handoff = await handoffLines(context.connections.runs, [...behindOn.keys()]);
  for (const [db, stretches] of behindOn) {
    for (const [file, from, to] of stretches) {
      if (!handoff.needed.has(`${db}\n${file}`)) context.quiet.add(db, file, from, to);
    }
  }
  return handoff;
}
