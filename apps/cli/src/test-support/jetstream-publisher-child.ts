// A producer on another host, for the JetStream crash test and reliability scenario: appends trial
// events for one run over JetStream, each worker pausing `pauseMs` between appends, and prints each
// acknowledged event id on its own line. With a count of 0 it appends until SIGTERM, then lets
// what is in flight settle and exits.
// argv: servers stream runId count concurrency pauseMs
import { openJetStreamWriter } from "@ledger/jetstream";

const [servers, stream, runId, countArg, concurrencyArg, pauseArg] = process.argv.slice(2);
const count = Number(countArg);
const writer = await openJetStreamWriter({
  servers: servers!.split(","),
  stream: stream!,
  timeoutMs: 60_000,
});
let next = 0;
let stopped = false;
process.once("SIGTERM", () => {
  stopped = true;
});
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
  while (count === 0 ? !stopped : next < count) {
    const i = next++;
    const { event } = await writer.append({
      event_type: "trial.recorded",
      run_id: runId!,
      trial_id: `${runId}-${i}`,
      params: { i },
      metrics: { sharpe: i / 1000 },
    });
    report(event.event_id);
    await new Promise((r) => setTimeout(r, Number(pauseArg ?? 0)));
  }
}
await Promise.all(Array.from({ length: Number(concurrencyArg ?? 1) }, worker));
await writer.close();
