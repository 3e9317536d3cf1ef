import { basename, dirname } from "node:path";
import { UserError } from "../user-error.js";

/** `--db path/to/runs.duckdb` names the folder the three index databases are published in. */
export function indexDirOf(db: string | undefined): string | undefined {
  if (db === undefined) return undefined;
  if (basename(db) !== "runs.duckdb") {
    throw new UserError(
      "LEDGER_BAD_DB_PATH",
      `--db must end in runs.duckdb (catalog.duckdb and alerts.duckdb are published beside it), got ${db}`,
    );
  }
  return dirname(db);
}
