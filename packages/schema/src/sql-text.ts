/**
 * A SQL string literal. Only for values ledger itself produces (paths, names), never for user
 * filters, which are bound parameters.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
