import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { utcDayFlag } from "./flag-values.js";

export interface RebuildIndexArgs extends GlobalArgs {
  db?: string;
  "since-date"?: string;
  "full-rebuild": boolean;
  verbose: boolean;
  wait: boolean;
  json: boolean;
}

export const rebuildIndexCommand: CommandModule<GlobalArgs, RebuildIndexArgs> = {
  command: "rebuild-index",
  describe: "bring the DuckDB index up to date with the log (incremental unless told otherwise)",
  builder: (y) =>
    y
      .option("db", { type: "string", describe: "path of runs.duckdb (default: <root>/index/runs.duckdb)" })
      .option("since-date", {
        ...utcDayFlag("since-date"),
        describe: "re-read the partitions of this day (YYYY-MM-DD) and later",
      })
      .option("full-rebuild", {
        type: "boolean",
        default: false,
        describe: "build every table again from the whole log",
      })
      .option("verbose", {
        type: "boolean",
        default: false,
        describe: "print each SQL statement and its time",
      })
      .option("wait", {
        type: "boolean",
        default: false,
        describe: "wait for a running indexer instead of failing",
      })
      .option("json", { type: "boolean", default: false, describe: "print the report as JSON" }),
  handler: async (args) => (await import("../handlers/rebuild-index.js")).rebuildIndex(args),
};
