// Simulated backtests written through @ledger/writer in small bursts, a pause between them, so a
// writer is still appending while other processes index and mirror. Prints the runs it wrote.
import { openWriter } from "@ledger/writer";
import { simulateBacktests } from "../demo/simulate.js";

const [root, prefix, runs, burst, pauseMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const writer = await openWriter({ root });
let written = 0;
for (let b = 0; written < Number(runs); b++) {
  const count = Math.min(Number(burst), Number(runs) - written);
  await simulateBacktests(writer, { runs: count, prefix: `${prefix}-${b}`, concurrency: 2 });
  written += count;
  await new Promise((r) => setTimeout(r, Number(pauseMs)));
}
await writer.close();
process.stdout.write(`${written}\n`);
