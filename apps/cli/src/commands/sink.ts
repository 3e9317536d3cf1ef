import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { wholeNumber } from "./flag-values.js";
import { type NatsArgs, natsOptions } from "./jetstream/options.js";

export interface SinkArgs extends NatsArgs {
  durable: string;
  "ack-wait": number;
  verbose: boolean;
}

export const sinkCommand: CommandModule<GlobalArgs, SinkArgs> = {
  command: "sink",
  describe: "land a JetStream stream in this machine's log, one sink per log (SIGTERM or Ctrl-C to stop)",
  builder: (y) =>
    natsOptions(y)
      .option("durable", {
        type: "string",
        requiresArg: true,
        default: "ledger-sink",
        describe: "the durable consumer: where the sink resumes after a restart",
      })
      .option("ack-wait", {
        ...wholeNumber("ack-wait", 1, 3_600),
        default: 30,
        describe: "seconds before JetStream delivers an unacknowledged event again",
      })
      .option("verbose", { type: "boolean", default: false, describe: "print the sink's counts every 10 s" }),
  handler: async (args) => (await import("../handlers/sink.js")).sink(args),
};
