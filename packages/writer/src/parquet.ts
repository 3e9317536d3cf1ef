import { rename, rm } from "node:fs/promises";
import { sqlString } from "@ledger/schema";
import { DuckDBMissingError } from "./errors.js";

/** The part of `@duckdb/node-api` that writing Parquet uses. */
export type DuckDBModule = Pick<typeof import("@duckdb/node-api"), "DuckDBInstance">;

/**
 * Loads `@duckdb/node-api`, an optional peer: a backtest that writes no Parquet never loads
 * native DuckDB and need not install it.
 */
export type DuckDBLoader = () => Promise<DuckDBModule>;

export const importDuckDB: DuckDBLoader = () => import("@duckdb/node-api");

const NOT_FOUND = new Set(["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"]);

/**
 * Converts newline-delimited JSON rows in `jsonl` to a Parquet file at `file` (through a temporary
 * file and a rename, so a reader never sees half of it).
 * @throws DuckDBMissingError when the loader cannot find DuckDB or its native binding
 */
export async function jsonlToParquet(
  jsonl: string,
  file: string,
  load: DuckDBLoader = importDuckDB,
): Promise<void> {
  let duckdb: DuckDBModule;
  try {
    duckdb = await load();
  } catch (error) {
    if (NOT_FOUND.has((error as NodeJS.ErrnoException | undefined)?.code ?? "")) {
      throw new DuckDBMissingError(error);
    }
    throw error;
  }
  const db = await duckdb.DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_json_auto(${sqlString(jsonl)}, format='newline_delimited')) TO ${sqlString(`${file}.tmp`)} (FORMAT parquet)`,
    );
  } catch (error) {
    await rm(`${file}.tmp`, { force: true });
    throw error;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
  await rename(`${file}.tmp`, file);
}
