import { basename, dirname } from "node:path";
import { UsageError } from "../errors.js";

/** `--db path/to/runs.duckdb` names the folder the three index databases are published in. */
export function indexDirOf(db: string | undefined): string | undefined {
  if (db === undefined) return undefined;
  if (basename(db) !== "runs.duckdb") {
    throw new UsageError(
      `--db must end in runs.duckdb (catalog.duckdb and alerts.duckdb are published beside it), got ${db}`,
    );
  }
  return dirname(db);
}
