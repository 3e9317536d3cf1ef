import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";
import { jetstreamInitCommand } from "./init.js";

export const jetstreamCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "jetstream <command>",
  describe: "NATS JetStream as the log's transport across machines: init",
  builder: (y) => y.command(jetstreamInitCommand).demandCommand(1, "name a jetstream command"),
  handler: () => {},
};
