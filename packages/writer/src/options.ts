import type { EventCatalogue } from "@ledger/schema";
import type { WriterFs } from "./fs-layer.js";
import type { RecoveryReport } from "./recovery.js";

/**
 * What an acknowledged append promises:
 * - `fsync`: the line is written and fdatasync'ed: it survives a process crash and a power loss.
 * - `batch`: the line is written to the OS: it survives a process crash at once, and a power loss
 *   once the next fdatasync has run, at most `batchIntervalMs` later.
 * - `none`: the event is validated and queued in memory; a crash before it is written loses it.
 */
export type Durability = "fsync" | "batch" | "none";

export interface WriterOptions {
  /** Ledger root; events go to `{root}/events`. */
  root: string;
  /** @default "fsync" */
  durability?: Durability;
  /** Start a new part file before one would pass this many bytes. @default 100 MiB */
  rotateBytes?: number;
  /**
   * Wait this long after the first queued append before writing, so more appends share the write
   * and fdatasync. Trades latency for throughput. @default 0 (write as soon as the loop is free)
   */
  groupCommitWindowMs?: number;
  /** In `batch` mode, the longest an acknowledged event waits for its fdatasync. @default 100 */
  batchIntervalMs?: number;
  /** Validate every event before writing. Turn off only for trusted bulk loads. @default true */
  validate?: boolean;
  /** Longest line, newline included. @default 1 MiB */
  maxLineBytes?: number;
  /** Event types to accept. @default the core catalogue */
  catalogue?: EventCatalogue;
  /** Time source for ids, timestamps and the day partition. @default Date.now */
  clock?: () => number;
  /** File operations of the append path; tests inject faults here. @default node:fs */
  fs?: WriterFs;
  /** @default 0o600 */
  fileMode?: number;
  /** @default 0o700 */
  dirMode?: number;
  /** Called when a part file left by a crashed writer had its torn tail quarantined. */
  onRecovery?: (report: RecoveryReport) => void;
  /** Write `events/_schema.json` when the writer opens. @default true */
  exportSchema?: boolean;
}
