import type { DuckDBConnection } from "@duckdb/node-api";
import { firstLine, sqlString } from "@ledger/schema";
import { LegacyDatabaseError } from "./errors.js";

/**
 * Attaches the old system's DuckDB file as `legacy`, read-only. A file that is missing, locked
 * or not a DuckDB database becomes one `LegacyDatabaseError` line.
 */
export async function attachLegacy(connection: DuckDBConnection, path: string): Promise<void> {
  try {
    await connection.run(`ATTACH ${sqlString(path)} AS legacy (READ_ONLY)`);
  } catch (error) {
    throw new LegacyDatabaseError(`cannot open the legacy database: ${firstLine(error)}`, { cause: error });
  }
}
