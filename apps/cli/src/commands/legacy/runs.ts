import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";
import { wholeNumber } from "../flag-values.js";
import { type LegacyArgs, legacyOptions } from "./options.js";

export interface LegacyRunsArgs extends LegacyArgs {
  status?: string;
  type?: string;
  limit: number;
}

export const legacyRunsCommand: CommandModule<GlobalArgs, LegacyRunsArgs> = {
  command: "runs",
  describe: "runs from both databases by the cutover rule, with their source",
  builder: (y) =>
    legacyOptions(y)
      .option("status", { type: "string" })
      .option("type", { type: "string" })
      .option("limit", { ...wholeNumber("limit", 1, 100_000), default: 20 }),
  handler: async (args) => (await import("../../handlers/legacy.js")).legacyRuns(args),
};
