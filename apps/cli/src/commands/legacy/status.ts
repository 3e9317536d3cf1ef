import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";
import { type LegacyArgs, legacyOptions } from "./options.js";

export interface LegacyRunArgs extends LegacyArgs {
  id: string;
}

export const legacyStatusCommand: CommandModule<GlobalArgs, LegacyRunArgs> = {
  command: "status <id>",
  describe: "one run's status, from the side that answers for it",
  builder: (y) => legacyOptions(y).positional("id", { type: "string", demandOption: true }),
  handler: async (args) => (await import("../../handlers/legacy.js")).legacyStatus(args),
};

export const legacySourceCommand: CommandModule<GlobalArgs, LegacyRunArgs> = {
  command: "source <id>",
  describe: "which database answers for a run: legacy or index",
  builder: (y) => legacyOptions(y).positional("id", { type: "string", demandOption: true }),
  handler: async (args) => (await import("../../handlers/legacy.js")).legacySource(args),
};
