import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { wholeNumber } from "./flag-values.js";
import { optionalNatsOptions } from "./jetstream/options.js";

export interface EmitArgs extends GlobalArgs {
  "event-type"?: string;
  "run-id"?: string;
  json?: string;
  durability?: string;
  /** Set: the events go to JetStream instead of the local log. */
  nats?: string;
  stream: string;
  "subject-prefix": string;
  /** With `--nats`: longest an append waits for the server's ack, in ms. */
  timeout?: number;
  /** The event's own fields, as `--field-name value` (kebab-case becomes snake_case). */
  [field: string]: unknown;
}

export const emitCommand: CommandModule<GlobalArgs, EmitArgs> = {
  command: "emit",
  describe: "append events: one from flags or --json, or NDJSON on stdin (all validated first)",
  // Async so the catalogue (TypeBox) loads only when emit runs, never for `ledger --help`.
  builder: async (y) =>
    optionalNatsOptions(y)
      .option("event-type", { type: "string", describe: "event type, e.g. run.created" })
      .option("run-id", { type: "string", describe: "run id (run-scoped types)" })
      .option("json", { type: "string", describe: "the whole event as JSON" })
      .option("durability", {
        choices: ["fsync", "batch", "none"],
        default: "fsync",
        describe: "what an acknowledged event survives",
      })
      .option("timeout", {
        ...wholeNumber("timeout", 1, 3_600_000),
        describe:
          "with --nats: ms to wait for the server's ack (connecting included) before giving up with LEDGER_TRANSPORT_UNAVAILABLE [default: 30000]",
      })
      // The event's fields are flags named after them, so they cannot be listed here.
      .strict(false)
      .parserConfiguration({
        "parse-numbers": false,
        "parse-positional-numbers": false,
        "camel-case-expansion": false,
      })
      .example(
        "$0 emit --event-type run.created --run-id test-123 --run-type baseline --config '{}' --data-fingerprint test-fp",
        "",
      )
      .example("cat events.ndjson | $0 emit", "a batch: nothing is written unless every line is valid")
      .example(
        "$0 emit --nats nats://10.0.0.5:4222 --json '{...}'",
        "to JetStream: printed once acknowledged",
      )
      .example(
        "$0 emit --nats nats://10.0.0.5:4222 --timeout 5000 --json '{...}'",
        "give up after 5 s when no server answers",
      )
      .epilog((await import("../handlers/emit-help.js")).emitTypesHelp()),
  handler: async (args) => (await import("../handlers/emit.js")).emit(args),
};
