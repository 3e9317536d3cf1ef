import type { DuckDBConnection } from "@duckdb/node-api";
import { LegacyDatabaseError } from "./errors.js";

/**
 * Attaches the old system's DuckDB file as `legacy`, read-only. A file that is missing, locked
 * or not a DuckDB database becomes one `LegacyDatabaseError` line.
 */
export async function attachLegacy(connection: DuckDBConnection, path: string): Promise<void> {
  try {
    await connection.run(`ATTACH '${path.replaceAll("'", "''")}' AS legacy (READ_ONLY)`);
  } catch (error) {
    throw new LegacyDatabaseError(
      `cannot open the legacy database: ${(error as Error).message.split("\n")[0]}`,
      {
        cause: error,
      },
    );
  }
}
