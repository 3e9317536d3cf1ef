import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";

export interface EventsArgs extends GlobalArgs {
  run?: string;
  kind?: string[];
  since?: string;
  follow: boolean;
  json: boolean;
}

export const eventsCommand: CommandModule<GlobalArgs, EventsArgs> = {
  command: "events",
  describe: "read the log: one line per event, or NDJSON; --follow for live events",
  builder: (y) =>
    y
      .option("run", { type: "string", describe: "only this run's events" })
      .option("kind", { type: "string", array: true, describe: "only these event types" })
      .option("since", { type: "string", describe: "1h, 7d or an ISO time" })
      .option("follow", { type: "boolean", alias: "f", default: false, describe: "keep printing new events" })
      .option("json", { type: "boolean", default: false, describe: "the events as NDJSON" }),
  handler: async (args) => (await import("../handlers/events.js")).events(args),
};
