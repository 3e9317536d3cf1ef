import { LedgerError } from "@ledger/schema";

/** The legacy database is missing, unreadable, or lacks a table or column the layout names. */
export class LegacyDatabaseError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_LEGACY_DB", message, options);
  }
}

/**
 * A layout (column mapping) that is malformed (an unknown or missing key, a name that is not a
 * plain SQL identifier) or that names tables or columns the legacy database lacks.
 */
export class LegacyLayoutError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_LEGACY_LAYOUT", message);
  }
}
