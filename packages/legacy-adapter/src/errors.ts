import { LedgerError } from "@ledger/schema";

/** The legacy database is missing, unreadable, or lacks a table or column the layout names. */
export class LegacyDatabaseError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LEDGER_LEGACY_DB", message, options);
  }
}

/** A layout (column mapping) that names something that is not a plain SQL identifier. */
export class LegacyLayoutError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_LEGACY_LAYOUT", message);
  }
}
