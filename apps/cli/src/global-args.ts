/** Options every command receives. */
export interface GlobalArgs {
  /** Ledger root; resolved with `resolveRoot` (flag, then LEDGER_ROOT, then ./data/ledger). */
  root?: string;
}
