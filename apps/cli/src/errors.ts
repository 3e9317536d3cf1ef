/** Wrong flags or arguments: exit 2, like every Unix tool. */
export class UsageError extends Error {
  readonly code = "LEDGER_USAGE";
}

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
    process.stderr.write(`ledger: ${oneLine(error.message)}\nRun "ledger --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (isLedgerError(error)) {
    process.stderr.write(`ledger: ${oneLine(describeError(error))} [${error.code}]\n`);
    return EXIT_USER;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`ledger: internal error (this is a bug)\n${stack}\n`);
  return EXIT_BUG;
}

/**
 * What the CLI adds to a package's error, by its code: the command that helps, in the CLI's own
 * words. Packages are used without the CLI too, so their messages name no command or flag.
 */
const NEXT_STEPS: Record<string, string> = {
  LEDGER_INDEX_MISSING: "run `ledger rebuild-index` or start the daemon",
  LEDGER_STREAM_MISSING: "create it with `ledger jetstream init --nats URL`",
};

/** A typed ledger error's message as the CLI words it: the package's message and the next step. */
export function describeError(error: Error & { code: string }): string {
  const next = NEXT_STEPS[error.code];
  return next === undefined ? error.message : `${error.message}: ${next}`;
}

/**
 * A typed ledger error (`LedgerError` from any package), told by its stable code rather than by
 * `instanceof`: importing `@ledger/schema` here would load TypeBox on every start, `--help` too.
 */
function isLedgerError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error) || error instanceof UsageError) return false;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("LEDGER_");
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
