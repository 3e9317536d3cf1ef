import { LedgerError } from "@ledger/schema";

/** Wrong flags or arguments: exit 2, like every Unix tool. */
export class UsageError extends Error {
  readonly code = "LEDGER_USAGE";
}

/** A problem with what the user asked for (bad input, missing run): exit 1. */
export class UserError extends LedgerError {}

export const EXIT_OK = 0;
export const EXIT_USER = 1;
export const EXIT_USAGE = 2;
/** A bug in ledger itself (EX_SOFTWARE): the stack is printed so it can be reported. */
export const EXIT_BUG = 70;

/**
 * The CLI's one error boundary: typed ledger errors become one line on stderr and exit 1, usage
 * errors exit 2, and anything else is a bug, printed with its stack.
 */
export function handleError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`ledger: ${error.message}\nRun "ledger --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (error instanceof LedgerError) {
    process.stderr.write(`ledger: ${oneLine(error.message)} [${error.code}]\n`);
    return EXIT_USER;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`ledger: internal error (this is a bug)\n${stack}\n`);
  return EXIT_BUG;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
