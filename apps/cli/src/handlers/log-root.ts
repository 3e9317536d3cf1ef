import { statSync } from "node:fs";
import { LedgerError, ledgerPaths, resolveRoot } from "@ledger/schema";

/** A command that only reads was pointed at a root with no event log: almost always a typo. */
export class NoLogError extends LedgerError {
  readonly root: string;
  constructor(root: string) {
    super(
      "LEDGER_NO_LOG",
      `no event log at ${root} (no events/ folder): check --root or LEDGER_ROOT; emit, demo and legacy backfill create a log`,
    );
    this.root = root;
  }
}

/**
 * The resolved root (`--root`, else LEDGER_ROOT, else ./data/ledger) of a command that reads the
 * log or the index, refused when it holds no log. Only writing commands may create a root: a
 * reader that took a mistyped root as an empty ledger would print nothing and exit 0.
 */
export function logRootOf(flag: string | undefined): string {
  const root = resolveRoot(flag);
  if (!statSync(ledgerPaths(root).events, { throwIfNoEntry: false })?.isDirectory())
    throw new NoLogError(root);
  return root;
}
