import { LedgerError } from "@ledger/schema";

/** The connection string is not a `postgres://` or `postgresql://` URL. */
export class PostgresUrlError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_PG_URL", message);
  }
}

/** PostgreSQL could not be reached, or refused the connection (host, port, credentials, database). */
export class PostgresConnectError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_PG_UNREACHABLE", message, options);
  }
}

/** The database's tables could not be created or upgraded, or are newer than this package. */
export class PostgresMigrationError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_PG_MIGRATION", message, options);
  }
}

/** A sync failed in a way retrying does not cure, or kept failing for longer than it may retry. */
export class PostgresSyncError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_PG_SYNC", message, options);
  }
}

/** A query of the mirrored runs failed. */
export class PostgresQueryError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_PG_QUERY", message, options);
  }
}

/** An option out of range (a wait that would spin, a batch of no rows). */
export class PostgresOptionError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_PG_OPTION", message);
  }
}
