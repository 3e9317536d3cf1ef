// One appending process of the writer suite's multi-process rows. Plain JavaScript on the built
// packages, as a backtest job imports them. It gets ready (modules loaded, file or writer open),
// prints "ready", waits for a line on stdin so that every process starts at once, appends events
// one after another (each waiting for its acknowledgement) for `seconds` or until `count` are
// done, and prints its latencies, one per acknowledged event.
import * as fs from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createEmitter, openWriter } from "@ledger/writer";

const [contestant, root, countArg, indexArg, secondsArg] = process.argv.slice(2);
const count = Number(countArg);
const seconds = Number(secondsArg);
const runId = `bench-run-${String(indexArg).padStart(6, "0")}`;
const trial = (i) => ({
  trialId: `trial-${String(i).padStart(6, "0")}`,
  params: { fast_window: 12, slow_window: 48, stop_loss: 0.02 },
  metrics: { sharpe: 1.4321, max_drawdown: -0.1234, cagr: 0.0876, trades: 412 },
});
// The event ledger writes for trial `i`, envelope included, as a plain appender would store it.
const stored = (t, i) => ({
  event_id: `01KB${String(indexArg).padStart(6, "0")}${String(i).padStart(16, "0")}`,
  event_type: "trial.recorded",
  schema_version: 1,
  timestamp_ms: Date.now(),
  run_id: runId,
  seq: i + 1,
  trial_id: t.trialId,
  params: t.params,
  metrics: t.metrics,
});
const inputs = Array.from({ length: count }, (_, i) => trial(i));
const latencies = new Float64Array(count);

let appendOne;
let close;
if (contestant === "ledger") {
  const writer = await openWriter({ root });
  const run = createEmitter(writer).run(runId);
  await run.started(); // the part file is open before the clock starts
  appendOne = (t) => run.trial(t.trialId, t.params, t.metrics);
  close = () => writer.close();
} else if (contestant === "plain-json") {
  // As a job appending JSON lines by hand does it: each event serialized when it is appended.
  const fd = fs.openSync(join(root, `log-${indexArg}.jsonl`), "a");
  appendOne = (t, i) => {
    const line = JSON.stringify(stored(t, i));
    fs.appendFileSync(fd, `${line}\n`);
    fs.fdatasyncSync(fd);
  };
  close = () => fs.closeSync(fd);
} else {
  // The line ledger writes for the same trial, envelope included, made before the clock starts.
  const lines = inputs.map((t, i) => JSON.stringify(stored(t, i)).concat("\n"));
  const fd = fs.openSync(join(root, `log-${indexArg}.jsonl`), "a");
  appendOne = (_t, i) => {
    fs.appendFileSync(fd, lines[i]);
    fs.fdatasyncSync(fd);
  };
  close = () => fs.closeSync(fd);
}

process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once("line", resolve));
lines.close();
const end = performance.now() + seconds * 1000;
let done = 0;
for (let i = 0; i < count && performance.now() < end; i++) {
  const started = performance.now();
  const acked = appendOne(inputs[i], i);
  if (acked) await acked;
  latencies[i] = performance.now() - started;
  done++;
}
await close();
process.stdout.write(`${JSON.stringify({ latencies: Array.from(latencies.subarray(0, done)) })}\n`);
