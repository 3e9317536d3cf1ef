import type { Argv } from "yargs";
import type { GlobalArgs } from "../../global-args.js";

export interface LegacyArgs extends GlobalArgs {
  "legacy-db": string;
  cutover: string;
  layout?: string;
  json: boolean;
}

/** Flags every `ledger legacy` subcommand takes. */
export function legacyOptions<T>(y: Argv<T>) {
  return y
    .option("legacy-db", {
      type: "string",
      demandOption: true,
      describe: "the old system's DuckDB file (read-only)",
    })
    .option("cutover", {
      type: "string",
      demandOption: true,
      describe: "ISO time: runs created before it are legacy",
    })
    .option("layout", {
      type: "string",
      describe: "JSON file mapping legacy tables and columns (start from `ledger legacy init-layout`)",
    })
    .option("json", { type: "boolean", default: false, describe: "JSON output" });
}
