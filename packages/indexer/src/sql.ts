/** A SQL string literal. Only for values ledger itself produces (paths, names), never user filters. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Error text of a DuckDB failure, first line only, for one-line messages. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

/**
 * Runs `work` in one transaction on a connection: committed if it returns, rolled back if it
 * throws. Afterwards the connection's default database is `memory` again, so whichever index
 * database `work` switched to with `USE` can be detached.
 */
export async function inTransaction(
  connection: { run(sql: string): Promise<unknown> },
  work: () => Promise<void>,
): Promise<void> {
  await connection.run("BEGIN TRANSACTION");
  try {
    await work();
    await connection.run("COMMIT");
  } catch (error) {
    await connection.run("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await connection.run("USE memory").catch(() => {});
  }
}
