import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../global-args.js";
import { wholeNumber } from "./flag-values.js";

export interface ServeArgs extends GlobalArgs {
  host: string;
  port: number;
  token?: string;
  pg?: string;
}

export const serveCommand: CommandModule<GlobalArgs, ServeArgs> = {
  command: "serve",
  describe: "HTTP API (runs, run, events as NDJSON or live SSE) and a web page",
  builder: (y) =>
    y
      .option("host", {
        type: "string",
        default: "127.0.0.1",
        describe: "address to bind; anything else needs --token",
      })
      .option("port", { ...wholeNumber("port", 0, 65_535), default: 8765, describe: "0 picks a free port" })
      .option("token", {
        type: "string",
        describe: "require Authorization: Bearer <token> (default: $LEDGER_TOKEN)",
      })
      .option("pg", {
        type: "string",
        requiresArg: true,
        describe:
          "read runs from this PostgreSQL mirror (see pg-sync) instead of the index; events stay from the log",
      }),
  handler: async (args) => (await import("../handlers/serve.js")).serve(args),
};
