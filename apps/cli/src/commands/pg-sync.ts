import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { wholeNumber } from "./flag-values.js";

export interface PgSyncArgs extends GlobalArgs {
  pg: string;
  follow: boolean;
  interval: number;
  verbose: boolean;
  json: boolean;
  "batch-runs": number;
}

/** The longest wait `setTimeout` keeps (2^31 - 1 ms), in whole seconds. */
const MAX_INTERVAL_S = 2_147_483;

export const pgSyncCommand: CommandModule<GlobalArgs, PgSyncArgs> = {
  command: "pg-sync",
  describe: "mirror the index's runs into PostgreSQL, for readers on other hosts",
  builder: (y) =>
    y
      .option("pg", {
        type: "string",
        demandOption: true,
        requiresArg: true,
        describe: "postgres://user:password@host:port/database",
        default: process.env.LEDGER_PG_URL,
        defaultDescription: "$LEDGER_PG_URL",
      })
      .option("follow", {
        type: "boolean",
        default: false,
        describe: "keep PostgreSQL current as the index is published (SIGTERM or Ctrl-C to stop)",
      })
      .option("interval", {
        type: "number",
        default: 30,
        describe: "with --follow: seconds between syncs when no publication wakes it",
      })
      .option("batch-runs", {
        ...wholeNumber("batch-runs", 1, 100_000),
        default: 5000,
        describe: "runs read from the index and written to PostgreSQL per statement",
      })
      .option("verbose", { type: "boolean", default: false, describe: "with --follow: print every sync" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the sync's report as JSON (with --follow: one line per sync that wrote something)",
      })
      .check((a) => {
        if (!a.pg) return "--pg needs a postgres:// URL (or set LEDGER_PG_URL)";
        return a.interval > 0 && a.interval <= MAX_INTERVAL_S
          ? true
          : `--interval must be seconds between syncs, over 0 and at most ${MAX_INTERVAL_S}, got ${Number.isNaN(a.interval) ? "no number" : a.interval}`;
      }),
  handler: async (args) => (await import("../handlers/pg-sync.js")).pgSync(args),
};
