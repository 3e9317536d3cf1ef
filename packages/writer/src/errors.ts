import { firstLine, LedgerError } from "@ledger/schema";

/** An append after `close()`. */
export class WriterClosedError extends LedgerError {
  constructor() {
    super("LEDGER_WRITER_CLOSED", "the writer is closed");
  }
}

/**
 * A write or fdatasync failed. Nothing in the failed batch was acknowledged; the part file it was
 * going to is sealed and the next append goes to a new one.
 */
export class WriteFailedError extends LedgerError {
  readonly file: string;
  constructor(file: string, cause: unknown, code = "LEDGER_WRITE_FAILED", what = "write failed") {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(code, `${what} on ${file}: ${reason}`, { cause });
    this.file = file;
  }
}

/** The disk (or quota) is full: ENOSPC or EDQUOT. Same guarantees as `WriteFailedError`. */
export class DiskFullError extends WriteFailedError {
  constructor(file: string, cause: unknown) {
    super(file, cause, "LEDGER_DISK_FULL", "disk full");
  }
}

export function writeError(file: string, cause: unknown): WriteFailedError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT"
    ? new DiskFullError(file, cause)
    : new WriteFailedError(file, cause);
}

/**
 * A compressed part of the log cannot be read: it is not gzip, or it was cut short. Whatever
 * reads it stops there with this error rather than go on without its events.
 */
export class CorruptPartError extends LedgerError {
  constructor(path: string, cause: unknown) {
    super("LEDGER_CORRUPT_PART", `${path} is not readable gzip: ${firstLine(cause)}`, { cause });
  }
}

/** A log cursor (an SSE `Last-Event-ID` or `cursor` parameter) that no reader ever issued. */
export class InvalidCursorError extends LedgerError {
  constructor(reason: string) {
    super("LEDGER_INVALID_CURSOR", `invalid cursor: ${reason}`);
  }
}

/**
 * Writing Parquet needs `@duckdb/node-api`, an optional peer dependency that is not installed
 * (or whose native binding for this platform is missing). Nothing else in the writer needs it.
 */
export class DuckDBMissingError extends LedgerError {
  constructor(cause: unknown) {
    const reason = firstLine(cause);
    super(
      "LEDGER_DUCKDB_MISSING",
      `writing Parquet needs the optional peer dependency @duckdb/node-api: install it beside @ledger/writer (${reason})`,
      { cause },
    );
  }
}
