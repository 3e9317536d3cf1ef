// A child process for the multi-process and crash tests: appends trial events for one run and
// prints each acknowledged event id on its own line.
// argv: root runId count(0 = until killed) concurrency durability
import { type Durability, openWriter } from "../index.js";

const [root, runId, countArg, concurrencyArg, durability] = process.argv.slice(2);
const count = Number(countArg);
const writer = await openWriter({ root: root!, durability: (durability ?? "fsync") as Durability });
let next = 0;
const out: string[] = [];
let flushing = false;
function report(id: string) {
  out.push(id);
  if (!flushing) {
    flushing = true;
    setImmediate(() => {
      flushing = false;
      process.stdout.write(`${out.splice(0).join("\n")}\n`);
    });
  }
}
async function worker() {
  while (count === 0 || next < count) {
    const i = next++;
    const { event } = await writer.append({
      event_type: "trial.recorded",
      run_id: runId,
      trial_id: `${runId}-${i}`,
      params: { i },
      metrics: { sharpe: i / 1000 },
    });
    report(event.event_id);
  }
}
await Promise.all(Array.from({ length: Number(concurrencyArg ?? 1) }, worker));
await writer.close();
