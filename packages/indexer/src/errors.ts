import { LedgerError } from "@ledger/schema";
import { firstLine } from "./sql.js";

/** Another indexer holds `index/indexer.lock`; only one may write the index at a time. */
export class IndexerLockedError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_INDEXER_LOCKED", message);
  }
}

/**
 * No index has been published yet under this root: an indexer has not finished a round there.
 * `path` is where the index was looked for.
 */
export class IndexMissingError extends LedgerError {
  readonly path: string;
  constructor(path: string) {
    super("LEDGER_INDEX_MISSING", `no index at ${path}`);
    this.path = path;
  }
}

/** A projection is malformed, or its SQL failed while indexing. */
export class ProjectionError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_PROJECTION_FAILED", message, options);
  }
}

/** A freshly built index failed its checks and was not published. */
export class IndexCheckError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_INDEX_CHECK_FAILED", message);
  }
}

/** A query sent to the read-only index failed (bad SQL, a write attempted, a missing table). */
export class IndexQueryError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_QUERY_FAILED", message, options);
  }
}

/**
 * Writing the index failed on the way to disk: the disk is full (`LEDGER_DISK_FULL`) or another
 * I/O error (`LEDGER_INDEX_WRITE_FAILED`). Nothing new was published; readers keep the index
 * they had, and the next round carries on once the cause is gone.
 */
export class IndexWriteError extends LedgerError {
  constructor(
    code: "LEDGER_DISK_FULL" | "LEDGER_INDEX_WRITE_FAILED",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

const DISK_FULL = /no space left on device|disk quota exceeded/i;

/**
 * `error` as a typed error if it came from the file system or DuckDB's I/O layer; anything else
 * (a ledger error, a bug) is returned as it is.
 */
export function asIndexWriteError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof LedgerError) return error;
  const errno = (error as NodeJS.ErrnoException).code;
  const io = /^IO Error/.test(error.message) || (typeof errno === "string" && /^E[A-Z]+$/.test(errno));
  if (!io) return error;
  const full = errno === "ENOSPC" || errno === "EDQUOT" || DISK_FULL.test(error.message);
  return new IndexWriteError(
    full ? "LEDGER_DISK_FULL" : "LEDGER_INDEX_WRITE_FAILED",
    `${full ? "disk full" : "write failed"} while indexing; the published index is unchanged: ${firstLine(error)}`,
    { cause: error },
  );
}

/** An option given to the indexer is out of range (a batch too large for the memory limit, say). */
export class IndexerOptionError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_INVALID_OPTION", message);
  }
}

/**
 * A retention checkpoint could not be written (retention then deletes nothing), or one found on
 * disk is missing, damaged or unreadable.
 */
export class RetentionCheckpointError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_CHECKPOINT_INVALID", message);
  }
}
