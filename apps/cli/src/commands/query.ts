import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface QueryArgs extends GlobalArgs {
  sql: string;
  json: boolean;
}

export const queryCommand: CommandModule<GlobalArgs, QueryArgs> = {
  command: "query <sql>",
  describe:
    "run SQL against the published index (catalog.* and alerts.* attached): read-only, with no access to other files or the network",
  builder: (y) =>
    y
      .positional("sql", { type: "string", demandOption: true })
      .option("json", { type: "boolean", default: false, describe: "one JSON object per row" })
      .example('$0 query "SELECT * FROM latest_runs LIMIT 5"', ""),
  handler: async (args) => (await import("../handlers/query.js")).query(args),
};
