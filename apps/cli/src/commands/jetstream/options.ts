import type { Argv } from "yargs";
import type { GlobalArgs } from "../../global-args.js";

export interface NatsArgs extends GlobalArgs {
  nats: string;
  stream: string;
  "subject-prefix": string;
}

const natsFlag = {
  type: "string",
  requiresArg: true,
  describe: "NATS server URL(s), comma-separated, e.g. nats://10.0.0.5:4222",
} as const;

const streamFlag = {
  type: "string",
  requiresArg: true,
  default: "LEDGER",
  describe: "the JetStream stream that carries the events",
} as const;

const prefixFlag = {
  type: "string",
  requiresArg: true,
  default: "ledger",
  describe: "first subject token(s): events go to <prefix>.<event_type>.<run>",
} as const;

/** Flags every command that talks to JetStream takes. */
export function natsOptions<T>(y: Argv<T>) {
  return y
    .option("nats", { ...natsFlag, demandOption: true })
    .option("stream", streamFlag)
    .option("subject-prefix", prefixFlag);
}

/** The same flags for a command that uses JetStream only when `--nats` is given. */
export function optionalNatsOptions<T>(y: Argv<T>) {
  return y.option("nats", natsFlag).option("stream", streamFlag).option("subject-prefix", prefixFlag);
}

/** `--nats a,b` as the list of server URLs the client takes. */
export function natsServers(flag: string): string[] {
  return flag
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
