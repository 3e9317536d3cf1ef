import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { optionalNatsOptions } from "./jetstream/options.js";

export interface EventsArgs extends GlobalArgs {
  run?: string;
  kind?: string[];
  since?: string;
  follow: boolean;
  json: boolean;
  /** Set: follow the JetStream stream instead of the local log. */
  nats?: string;
  stream: string;
  "subject-prefix": string;
}

export const eventsCommand: CommandModule<GlobalArgs, EventsArgs> = {
  command: "events",
  describe: "read the log: one line per event, or NDJSON; --follow for live events",
  builder: (y) =>
    optionalNatsOptions(y)
      .option("run", { type: "string", describe: "only this run's events" })
      .option("kind", { type: "string", array: true, describe: "only these event types" })
      .option("since", { type: "string", describe: "1h, 7d or an ISO time" })
      .option("follow", { type: "boolean", alias: "f", default: false, describe: "keep printing new events" })
      .option("json", { type: "boolean", default: false, describe: "the events as NDJSON" })
      .check((a) => (a.nats === undefined || a.follow ? true : "--nats reads the stream live: add --follow")),
  handler: async (args) => (await import("../handlers/events.js")).events(args),
};
