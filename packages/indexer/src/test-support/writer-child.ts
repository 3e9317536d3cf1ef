// Appends realistic backtest runs through @ledger/writer (fsync mode), as a job would, a batch of
// 10 events every 25 ms so that it is still writing while the daemon runs its rounds, then exits.
import { openWriter } from "@ledger/writer";
import { backtestEvents } from "./workload.js";

const [root, prefix, runs] = process.argv.slice(2) as [string, string, string];
const writer = await openWriter({ root });
const events = [...backtestEvents({ runs: Number(runs), trialsPerRun: 40, prefix, startMs: Date.now() })];
for (let i = 0; i < events.length; i += 10) {
  await writer.appendMany(events.slice(i, i + 10));
  await new Promise((r) => setTimeout(r, 25));
}
await writer.close();
process.stdout.write(`${events.length}\n`);
