import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";

export interface LegacyInitLayoutArgs extends GlobalArgs {
  "legacy-db": string;
}

export const legacyInitLayoutCommand: CommandModule<GlobalArgs, LegacyInitLayoutArgs> = {
  command: "init-layout",
  describe: "print a starting --layout file from the legacy file's own tables and columns, to edit",
  builder: (y) =>
    y.option("legacy-db", {
      type: "string",
      demandOption: true,
      describe: "the old system's DuckDB file (read-only)",
    }),
  handler: async (args) => (await import("../../handlers/legacy-migrate.js")).legacyInitLayout(args),
};
