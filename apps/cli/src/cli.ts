import yargs from "yargs";
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
    .strict()
    .demandCommand(1, "name a command (see ledger --help)")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  for (const command of commands) parser.command(command);
  try {
    await parser.parseAsync();
  } catch (error) {
    exitCode = handleError(error);
  }
  return exitCode;
}
