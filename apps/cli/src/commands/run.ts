import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface RunArgs extends GlobalArgs {
  id: string;
  json: boolean;
}

export const runCommand: CommandModule<GlobalArgs, RunArgs> = {
  command: "run <id>",
  describe: "one run: summary, phases, trials and artifacts",
  builder: (y) =>
    y
      .positional("id", { type: "string", demandOption: true, describe: "run id" })
      .option("json", { type: "boolean", default: false, describe: "as one JSON object" }),
  handler: async (args) => (await import("../handlers/run.js")).run(args),
};
