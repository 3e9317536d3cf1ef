export { firstLine, sqlIdent, sqlString } from "@ledger/schema";

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
