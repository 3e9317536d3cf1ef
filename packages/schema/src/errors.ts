/**
 * Base of every error ledger throws on purpose. `code` is stable across releases, so callers
 * (and the CLI's error boundary) branch on it instead of on message text.
 */
export class LedgerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in an event, with the JSON pointer of the offending value. */
export interface ValidationIssue {
  /** JSON pointer, e.g. `/metrics/sharpe`; empty for the event itself. */
  path: string;
  message: string;
}

export class SchemaValidationError extends LedgerError {
  readonly issues: readonly ValidationIssue[];
  readonly eventType: string | undefined;
  constructor(
    summary: string,
    issues: readonly ValidationIssue[],
    eventType?: string,
    code = "LEDGER_SCHEMA_INVALID",
  ) {
    super(code, summary);
    this.issues = issues;
    this.eventType = eventType;
  }
}

export class UnknownEventTypeError extends SchemaValidationError {
  constructor(summary: string, issues: readonly ValidationIssue[], eventType?: string) {
    super(summary, issues, eventType, "LEDGER_UNKNOWN_EVENT_TYPE");
  }
}

export class LineTooLargeError extends LedgerError {
  readonly bytes: number;
  readonly limit: number;
  /** @param cut the truncatable fields already cut, when cutting them was not enough */
  constructor(eventType: string, bytes: number, limit: number, cut: readonly string[] = []) {
    super(
      "LEDGER_LINE_TOO_LARGE",
      `${eventType} event is ${bytes} bytes as a line, over the ${limit}-byte limit ${
        cut.length > 0 ? `even with ${cut.join(", ")} cut` : "(and it has no truncatable field to cut)"
      }`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

export class InvalidIdentifierError extends LedgerError {
  constructor(kind: string, value: string, reason: string) {
    super("LEDGER_INVALID_ID", `invalid ${kind} ${JSON.stringify(value.slice(0, 80))}: ${reason}`);
  }
}

export class CatalogueError extends LedgerError {
  constructor(message: string) {
    super("LEDGER_CATALOGUE", message);
  }
}

/** An error's message, first line only: what a one-line report shows of a multi-line failure. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
