import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../../global-args.js";
import { wholeNumber } from "../flag-values.js";
import { type NatsArgs, natsOptions } from "./options.js";

export interface JetStreamInitArgs extends NatsArgs {
  replicas: number;
  "duplicate-window": number;
  "max-age": number;
  json: boolean;
}

export const jetstreamInitCommand: CommandModule<GlobalArgs, JetStreamInitArgs> = {
  command: "init",
  describe: "create the stream (file storage, duplicate window, limits), or bring it to these settings",
  builder: (y) =>
    natsOptions(y)
      .option("replicas", {
        type: "number",
        choices: [1, 3],
        default: 1,
        describe: "copies of each event: 3 needs a cluster of at least three servers",
      })
      .option("duplicate-window", {
        ...wholeNumber("duplicate-window", 1, 86_400),
        default: 120,
        describe: "seconds in which a resent event id is stored once",
      })
      .option("max-age", {
        ...wholeNumber("max-age", 0, 315_360_000),
        default: 0,
        describe: "seconds after which the stream drops an event, landed or not (0: never)",
      })
      .option("json", { type: "boolean", default: false, describe: "JSON output" }),
  handler: async (args) => (await import("../../handlers/jetstream.js")).jetstreamInit(args),
};
