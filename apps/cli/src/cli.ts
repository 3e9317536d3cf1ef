import yargs from "yargs";
// Bundled into bin.js at build time: yargs' own guess reads the package.json above the entry
// module, which an ESM bin does not give it, and it printed "unknown".
import pkg from "../package.json" with { type: "json" };
import { commands } from "./commands/index.js";
import { handleError, UsageError } from "./errors.js";

/**
 * Builds and runs the `ledger` command. Returns the exit code rather than exiting, so tests can
 * drive it in-process; `bin.ts` sets it on the process.
 */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const parser = yargs(argv)
    .scriptName("ledger")
    .usage("$0 <command> [options]\n\nAn append-only event log with a derived DuckDB index.")
    .option("root", {
      type: "string",
      describe: "ledger root (default: $LEDGER_ROOT, else ./data/ledger)",
      global: true,
    })
    // Flags are read by their kebab-case names only; camelCase twins would double every
    // "Unknown argument" message and every emitted field.
    .parserConfiguration({ "camel-case-expansion": false })
    .strict()
    .demandCommand(1, "name a command (see ledger --help)")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(pkg.version)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // yargs' own validation failures (a YError, or the string a `check` returned) are usage
      // errors; an Error thrown by a handler is re-thrown for the boundary to classify.
      const failure = error as unknown;
      if (!(failure instanceof Error) || failure.name === "YError") {
        throw new UsageError(message ?? (failure instanceof Error ? failure.message : String(failure)));
      }
      throw failure;
    });
  for (const command of commands) parser.command(command);
  try {
    await parser.parseAsync();
  } catch (error) {
    exitCode = handleError(error);
  }
  return exitCode;
}
