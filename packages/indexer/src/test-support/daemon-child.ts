// Runs the daemon until SIGTERM/SIGINT, as `ledger daemon` does.
import { runDaemon } from "../index.js";

const [root] = process.argv.slice(2) as [string];
const controller = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => controller.abort());
const health = await runDaemon({ root, signal: controller.signal, intervalSeconds: 30 });
process.stdout.write(`${JSON.stringify({ state: health.state, rounds: health.rounds })}\n`);
