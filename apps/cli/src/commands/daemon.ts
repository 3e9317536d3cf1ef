import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface DaemonArgs extends GlobalArgs {
  interval: number;
  verbose: boolean;
  health: boolean;
  watch: boolean;
  json: boolean;
}

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
        describe: "print the running daemon's health and exit",
      })
      .option("json", { type: "boolean", default: false, describe: "with --health: as JSON" }),
  handler: async (args) => (await import("../handlers/daemon.js")).daemon(args),
};
