import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { wholeNumber } from "./flag-values.js";

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
      .option("status", { choices: ["created", "running", "succeeded", "failed", "cancelled", "unknown"] })
      .option("type", { type: "string", describe: "run type, e.g. baseline" })
      .option("since", { type: "string", describe: "created since: 1h, 7d or an ISO time" })
      .option("limit", { ...wholeNumber("limit", 1, 100_000), default: 20 })
      .option("json", { type: "boolean", default: false, describe: "one JSON object per line" }),
  handler: async (args) => (await import("../handlers/runs.js")).runs(args),
};
