// A child process for the multi-process and crash tests: appends trial events for one run and
// prints each acknowledged event id on its own line.
// argv: root runId count(0 = until killed) concurrency durability [barrier]
// With a barrier path, the child appends one event (so it holds a part), then waits for that file
// to exist before appending the rest: the test starts every child's real work at the same moment.
import { existsSync } from "node:fs";
import { type Durability, openWriter } from "../index.js";

const [root, runId, countArg, concurrencyArg, durability, barrier] = process.argv.slice(2);
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
async function appendOne() {
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
async function worker() {
  while (count === 0 || next < count) await appendOne();
}
if (barrier) {
  await appendOne();
  while (!existsSync(barrier)) await new Promise((r) => setTimeout(r, 5));
}
await Promise.all(Array.from({ length: Number(concurrencyArg ?? 1) }, worker));
await writer.close();
