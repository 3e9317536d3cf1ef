import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built `ledger` command. */
export const ledgerBin = fileURLToPath(new URL("../../../../apps/cli/dist/bin.js", import.meta.url));

/** `ledger serve --port 0 ...args`, once it prints the address it listens on. */
export async function startServe(args: string[]): Promise<{ process: ChildProcess; port: string }> {
  const server = spawn(process.execPath, [ledgerBin, "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let banner = "";
  for await (const chunk of server.stdout!) {
    banner += String(chunk);
    if (/:(\d+)\//.test(banner)) break;
  }
  const port = /:(\d+)\//.exec(banner)?.[1];
  if (!port) {
    server.kill("SIGKILL");
    throw new Error(`ledger serve ${args.join(" ")} did not start: ${banner}`);
  }
  return { process: server, port };
}
