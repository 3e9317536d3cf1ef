import { LedgerError } from "@ledger/schema";

/** Another indexer holds `index/indexer.lock`; only one may write the index at a time. */
export class IndexerLockedError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_INDEXER_LOCKED", message);
  }
}

/** No index has been published yet under this root. */
export class IndexMissingError extends LedgerError {
  constructor(path: string) {
    super("LEDGER_INDEX_MISSING", `no index at ${path}: run \`ledger rebuild-index\` or start the daemon`);
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
