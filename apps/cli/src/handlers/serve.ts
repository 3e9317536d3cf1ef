import type { ServeArgs } from "../commands/serve.js";
import { out } from "../output/print.js";
import { postgresRunSource } from "../server/run-source.js";
import { createLedgerServer } from "../server/server.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function serve(args: ServeArgs): Promise<void> {
  const token = args.token ?? process.env.LEDGER_TOKEN;
  if (!LOOPBACK.has(args.host) && !token) {
    throw new UserError(
      "LEDGER_TOKEN_REQUIRED",
      `binding ${args.host} exposes the index beyond this machine: pass --token`,
    );
  }
  const runs = args.pg === undefined ? undefined : await postgresRunSource(args.pg);
  const server = createLedgerServer({
    root: logRootOf(args.root),
    ...(token ? { token } : {}),
    ...(runs ? { runs } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new UserError(
          "LEDGER_LISTEN_FAILED",
          `cannot listen on ${args.host}:${args.port}: ${error.code ?? error.message}`,
        ),
      ),
    );
    server.listen(args.port, args.host, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : args.port;
  const from = runs ? ` (runs from ${runs.name})` : "";
  out(
    `ledger serving http://${args.host}:${port}/${from} ${token ? "(bearer token required)" : ""}`.trimEnd(),
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
