import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface DaemonArgs extends GlobalArgs {
  interval: number;
  verbose: boolean;
  health: boolean;
  watch: boolean;
  json: boolean;
  pg?: string;
}

/** The longest wait `setTimeout` keeps (2^31 - 1 ms), in whole seconds. */
const MAX_INTERVAL_S = 2_147_483;

export const daemonCommand: CommandModule<GlobalArgs, DaemonArgs> = {
  command: "daemon",
  describe: "keep the index current as the log grows (SIGTERM or Ctrl-C to stop)",
  builder: (y) =>
    y
      .option("interval", {
        type: "number",
        default: 30,
        describe: "seconds between rounds when nothing wakes it",
      })
      .option("watch", {
        type: "boolean",
        default: true,
        describe: "wake on file-system events (new events visible within 1 s)",
      })
      .option("verbose", { type: "boolean", default: false, describe: "print every round" })
      .option("health", {
        type: "boolean",
        default: false,
        describe:
          "print the running daemon's health (with --pg's mirror, its lag in events and seconds) and exit",
      })
      .option("json", { type: "boolean", default: false, describe: "with --health: as JSON" })
      .option("pg", {
        type: "string",
        requiresArg: true,
        describe:
          "also mirror the index into this PostgreSQL after each publication (see pg-sync); with --health, measure the mirror's lag in it now",
      })
      // A string (not a throw) is yargs' way to report a usage error: exit 2. Zero or less would
      // spin; over MAX_INTERVAL_S, setTimeout fires at once.
      .check((a) =>
        a.interval > 0 && a.interval <= MAX_INTERVAL_S
          ? true
          : `--interval must be seconds between rounds, over 0 and at most ${MAX_INTERVAL_S}, got ${Number.isNaN(a.interval) ? "no number" : a.interval}`,
      ),
  handler: async (args) => (await import("../handlers/daemon.js")).daemon(args),
};
