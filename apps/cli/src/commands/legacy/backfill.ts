import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";
import { type LegacyArgs, legacyOptions } from "./options.js";

export const legacyBackfillCommand: CommandModule<GlobalArgs, LegacyArgs> = {
  command: "backfill",
  describe: "write the legacy runs from before the cutover into the event log (idempotent, resumable)",
  builder: (y) => legacyOptions(y),
  handler: async (args) => (await import("../../handlers/legacy-migrate.js")).legacyBackfill(args),
};

export const legacyCompareCommand: CommandModule<GlobalArgs, LegacyArgs> = {
  command: "compare",
  describe:
    "parity: the legacy answers against the index, field by field; exit 1 on a difference the event model could express",
  builder: (y) => legacyOptions(y),
  handler: async (args) => (await import("../../handlers/legacy-migrate.js")).legacyCompare(args),
};
