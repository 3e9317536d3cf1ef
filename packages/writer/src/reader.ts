import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import {
  DEFAULT_MAX_LINE_BYTES,
  type EventCatalogue,
  ledgerPaths,
  parseEventLine,
  type StoredEvent,
} from "@ledger/schema";
import type { EventPosition } from "./appender.js";
import type { LogCursor } from "./cursor.js";
import { gzipPartChunks } from "./gzip-part.js";
import { LineSplitter } from "./line-splitter.js";
import { type LogFile, listLogFiles, sizeOf } from "./log-files.js";
import { LogWaker } from "./log-waker.js";

export interface LogRecord {
  event: StoredEvent;
  position: EventPosition;
}

/** A line the reader could not return as an event. It is reported, never thrown. */
export interface LogProblem {
  file: string;
  offset: number;
  length: number;
  kind: "torn" | "invalid" | "too-large";
  reason: string;
}

export interface ReadLogOptions {
  root: string;
  /** First day to read (`YYYY-MM-DD`, inclusive). @default the first day in the log */
  fromDay?: string;
  /** Last day to read (inclusive). @default the last day in the log */
  toDay?: string;
  /** Only this run's events. */
  runId?: string;
  /** Only these event types. */
  types?: readonly string[];
  /** @default the core catalogue */
  catalogue?: EventCatalogue;
  /** @default 1 MiB */
  maxLineBytes?: number;
  /** Called for each torn, invalid or oversized line. */
  onProblem?: (problem: LogProblem) => void;
}

export interface FollowLogOptions extends ReadLogOptions {
  /** Stops following. */
  signal?: AbortSignal;
  /** Polling interval, the fallback when file-system events are missed. @default 250 */
  pollMs?: number;
  /** Start at the current end of the log instead of its beginning. @default false */
  fromEnd?: boolean;
  /**
   * Resume after what a previous reader took: each part the cursor names is read from its
   * offset, every other part from its start. @default nothing taken
   */
  after?: LogCursor;
  /**
   * Called once, when everything already in the log has been yielded and the reader starts
   * waiting for appends: the switch from replay to live, on the same cursor.
   */
  onCaughtUp?: () => void;
}

const CHUNK = 256 * 1024;
/** Appends up to this size are read by `appendedChunks` once a follower is caught up. */
const LIVE_READ_MAX = 1024 * 1024;

/**
 * Streams the log's events in log order with constant memory, whatever its size: `.jsonl` and
 * `.jsonl.gz` alike. Lines that are torn, invalid or oversized go to `onProblem`.
 */
export async function* readLog(options: ReadLogOptions): AsyncGenerator<LogRecord> {
  const filter = makeFilter(options);
  for (const file of listLogFiles(ledgerPaths(options.root).events, options.fromDay, options.toDay)) {
    yield* readFile(file, 0, options, filter, true);
  }
}

/**
 * Like `readLog`, then keeps going: yields events as any process appends them, to existing part
 * files as well as new ones, until `signal` aborts. Woken by file-system events, with polling as
 * the fallback.
 */
export async function* followLog(options: FollowLogOptions): AsyncGenerator<LogRecord> {
  const filter = makeFilter(options);
  const events = ledgerPaths(options.root).events;
  // By logical name, so a part that retention gzips later is not read again.
  const offsets = new Map<string, number>(options.after ?? []);
  if (options.fromEnd)
    for (const f of listLogFiles(events, options.fromDay))
      offsets.set(f.logicalRel, f.compressed ? Infinity : (sizeOf(f.path) ?? 0));
  const waker = new LogWaker(events, options.pollMs ?? 250, options.signal);
  let caughtUp = false;
  try {
    while (!options.signal?.aborted) {
      for (const file of listLogFiles(events, options.fromDay, options.toDay)) {
        const start = offsets.get(file.logicalRel) ?? 0;
        if (file.compressed) {
          if (start !== Infinity) yield* readFile(file, start, options, filter, true);
          offsets.set(file.logicalRel, Infinity);
          continue;
        }
        const size = sizeOf(file.path) ?? 0;
        if (size <= start) continue;
        // Small live appends are read directly; a large backlog streams, so it never holds the
        // event loop for longer than one chunk's read.
        const live = caughtUp && size - start <= LIVE_READ_MAX;
        const reader = readFile(file, start, options, filter, false, live);
        let next = await reader.next();
        while (!next.done) {
          yield next.value;
          next = await reader.next();
        }
        offsets.set(file.logicalRel, next.value);
      }
      if (!caughtUp) {
        caughtUp = true;
        options.onCaughtUp?.();
      }
      await waker.wait();
    }
  } finally {
    waker.close();
  }
}

/**
 * The bytes appended to a file since `start`, read synchronously. A live follower reads a few
 * hundred bytes that a writer has just put in the page cache: a direct read takes microseconds,
 * where a stream's open, read and close each wait their turn in the thread pool (behind the
 * writers' fdatasyncs in the same process) and made the tail latency of live delivery ten times
 * its median.
 */
function* appendedChunks(path: string, start: number): Generator<Buffer> {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    for (let pos = start; pos < size; ) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      yield n === chunk.length ? chunk : chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** A gzipped part cannot be read from the middle: its first `skip` plain bytes are dropped. */
async function* skipBytes(chunks: AsyncIterable<Buffer>, skip: number): AsyncGenerator<Buffer> {
  let left = skip;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

type Filter = (event: StoredEvent) => boolean;

function makeFilter(o: ReadLogOptions): Filter {
  const types = o.types && o.types.length > 0 ? new Set(o.types) : undefined;
  return (e) => (o.runId === undefined || e.run_id === o.runId) && (!types || types.has(e.event_type));
}

/**
 * Yields the events of complete lines from `start` on and returns the offset just past the last
 * complete line. With `final`, a partial last line is reported as torn; otherwise it is left for
 * the next call (a writer is still appending it).
 */
async function* readFile(
  file: LogFile,
  start: number,
  o: ReadLogOptions,
  filter: Filter,
  final: boolean,
  live = false,
): AsyncGenerator<LogRecord, number> {
  const limit = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const parse = { maxLineBytes: limit, ...(o.catalogue ? { catalogue: o.catalogue } : {}) };
  let raw: AsyncIterable<Buffer> | Iterable<Buffer>;
  try {
    if (live && !file.compressed) raw = appendedChunks(file.path, start);
    else if (file.compressed) {
      raw = skipBytes(gzipPartChunks(file.path, CHUNK), start);
    } else raw = createReadStream(file.path, { start, highWaterMark: CHUNK }) as AsyncIterable<Buffer>;
  } catch {
    return start;
  }
  // The splitter calls back in the middle of a chunk, where a generator cannot yield: each
  // chunk's lines and oversized lines wait here, in order, until the chunk is split.
  const found: ({ text: string; offset: number; length: number } | { offset: number; length: number })[] = [];
  const splitter = new LineSplitter(start, limit, {
    line: (text, offset, length) => found.push({ text, offset, length }),
    tooLarge: (offset, length) => found.push({ offset, length }),
  });
  let pos = start;
  try {
    for await (const chunk of raw) {
      splitter.push(chunk, pos);
      pos += chunk.length;
      for (const line of found) {
        const { offset, length } = line;
        if (!("text" in line)) {
          o.onProblem?.({
            file: file.rel,
            offset,
            length,
            kind: "too-large",
            reason: `line is ${length} bytes, over the ${limit}-byte limit`,
          });
          continue;
        }
        const parsed = parseEventLine(line.text, parse);
        if (!parsed.ok)
          o.onProblem?.({ file: file.rel, offset, length, kind: "invalid", reason: parsed.reason });
        else if (filter(parsed.event))
          yield { event: parsed.event, position: { file: file.rel, offset, length } };
      }
      found.length = 0;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return splitter.consumed; // removed by retention mid-read
    o.onProblem?.({
      file: file.rel,
      offset: splitter.consumed,
      length: splitter.pending,
      kind: "invalid",
      reason: `unreadable: ${(error as Error).message}`,
    });
    return splitter.consumed;
  }
  if (splitter.pending > 0 && final) {
    o.onProblem?.({
      file: file.rel,
      offset: splitter.consumed,
      length: splitter.pending,
      kind: "torn",
      reason: "no final newline (unfinished append)",
    });
  }
  return splitter.consumed;
}
