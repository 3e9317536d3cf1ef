import type { EventCatalogue } from "@ledger/schema";
import type { Projection } from "./projections/define.js";
import type { RoundPhase } from "./trace.js";

export interface IngestProgress {
  /** Log bytes read so far in this round. */
  bytesDone: number;
  /** Log bytes this round has to read. */
  bytesTotal: number;
  events: number;
}

export interface IndexerOptions {
  /** The ledger root (`events/` and `index/` live under it). */
  root: string;
  /** Tables of the index. @default coreProjections */
  projections?: readonly Projection[];
  /** Validates and upcasts each line. @default the core catalogue */
  catalogue?: EventCatalogue;
  /** Lines longer than this are quarantined unread. @default 1 MiB */
  maxLineBytes?: number;
  /**
   * Log bytes per DuckDB transaction; bounds memory. Rebuilds run as fast at 4 MiB as at 16 and
   * peak about 190 MB lower on a 1M-event log. At most a quarter of `memoryLimit`, or opening the
   * indexer fails with `IndexerOptionError` (under 128MB, 64 MiB ran DuckDB out of memory).
   * @default 4 MiB
   */
  batchBytes?: number;
  /** DuckDB's memory limit for the indexer. @default "128MB" */
  memoryLimit?: string;
  /** DuckDB worker threads. @default DuckDB's choice (one per core) */
  threads?: number;
  /** When another indexer holds the lock, wait this long for it (ms) before failing. @default 0 */
  waitForLockMs?: number;
  /** Where the published databases go. @default `{root}/index` */
  indexDir?: string;
  /** Called with each SQL statement and its duration (ms): for `--verbose` and profiling. */
  trace?: (sql: string, ms: number) => void;
  /**
   * Called with each step of a round and its wall-clock time (ms): where a round's time goes.
   * The daemon adds its wait between rounds. Commits then run as statements of their own.
   */
  onPhase?: (phase: RoundPhase, ms: number) => void;
  /**
   * How a full rebuild reads the log: JavaScript validates line by line ("javascript"), or
   * DuckDB splits each part and checks its lines with SQL generated from the catalogue, leaving
   * JavaScript only the lines SQL does not accept ("native"). Both give the same index; on a
   * 2-core machine the native reader was not yet the faster (see tooling/bench, `indexer`).
   * @internal
   * @default "javascript"
   */
  fullRebuildReader?: "native" | "javascript";
  /** Called as a round reads the log. */
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestReport {
  mode: "incremental" | "full" | "since";
  /** New events indexed (in the runs database). */
  events: number;
  /** Lines whose `event_id` was already indexed. */
  duplicates: number;
  quarantined: number;
  /** Log bytes read. */
  bytes: number;
  /** Log files read. */
  files: number;
  /** True when new databases were published for readers. */
  published: boolean;
  durationMs: number;
  /** Why a full rebuild happened when an incremental update was asked for. */
  reason?: string;
  /** The retention checkpoint a full rebuild started from (its events are counted in `events`). */
  restoredFrom?: string;
}
