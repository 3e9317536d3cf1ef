import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface RetentionArgs extends GlobalArgs {
  "compress-after"?: string;
  "delete-after"?: string;
  "dry-run": boolean;
  json: boolean;
}

export const retentionCommand: CommandModule<GlobalArgs, RetentionArgs> = {
  command: "retention",
  describe: "gzip sealed days and delete expired ones (the index keeps their runs, marked archived)",
  builder: (y) =>
    y
      .option("compress-after", { type: "string", describe: "gzip days older than this, e.g. 7d" })
      .option("delete-after", { type: "string", describe: "delete days older than this, e.g. 90d" })
      .option("dry-run", { type: "boolean", default: false, describe: "print the plan, change nothing" })
      .option("json", { type: "boolean", default: false })
      // A string (not a throw) is yargs' way to report a usage error: exit 2.
      .check((a) =>
        a["compress-after"] === undefined && a["delete-after"] === undefined
          ? "give --compress-after, --delete-after or both"
          : true,
      ),
  handler: async (args) => (await import("../handlers/retention.js")).retention(args),
};
