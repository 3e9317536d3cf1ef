import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface RunsArgs extends GlobalArgs {
  status?: string;
  type?: string;
  since?: string;
  limit: number;
  json: boolean;
}

export const runsCommand: CommandModule<GlobalArgs, RunsArgs> = {
  command: "runs",
  describe: "the latest runs, from the index",
  builder: (y) =>
    y
      .option("status", { type: "string", describe: "created, running, succeeded, failed or cancelled" })
      .option("type", { type: "string", describe: "run type, e.g. baseline" })
      .option("since", { type: "string", describe: "created since: 1h, 7d or an ISO time" })
      .option("limit", { type: "number", default: 20 })
      .option("json", { type: "boolean", default: false, describe: "one JSON object per line" }),
  handler: async (args) => (await import("../handlers/runs.js")).runs(args),
};
