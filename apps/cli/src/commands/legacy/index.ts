import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";
import { legacyBackfillCommand, legacyCompareCommand } from "./backfill.js";
import { legacyInitLayoutCommand } from "./init-layout.js";
import { legacyRunsCommand } from "./runs.js";
import { legacySourceCommand, legacyStatusCommand } from "./status.js";

export const legacyCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "legacy <command>",
  describe: "the old DuckDB and the new index as one: init-layout, runs, status, source, backfill, compare",
  builder: (y) =>
    y
      .command(legacyInitLayoutCommand)
      .command(legacyRunsCommand)
      .command(legacyStatusCommand)
      .command(legacySourceCommand)
      .command(legacyBackfillCommand)
      .command(legacyCompareCommand)
      .demandCommand(1, "name a legacy command"),
  handler: () => {},
};
