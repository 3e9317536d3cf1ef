// A writer process as a backtest job is one: realistic runs appended through @ledger/writer
// (fsync), paced to `rate` events/s in ticks of 10 ms, for `seconds`. Ids, times and `seq` are
// stamped by the writer. For each run it prints, once the append holding that event has
// resolved, `<run_id> created|completed <wall-clock ms> <wall-clock ms of the append call>`, and
// at the end `done <events>`.
// Plain JavaScript on the built packages, as users run them.
import { backtestEvents } from "@ledger/indexer/test-support";
import { openWriter } from "@ledger/writer";

const [root, prefix, rate, seconds] = process.argv.slice(2);
const TICK_MS = 10;
const perTick = Math.max(1, Math.round((Number(rate) * TICK_MS) / 1000));
const wallMs = () => performance.timeOrigin + performance.now();
const writer = await openWriter({ root });
const events = backtestEvents({ runs: 1e9, trialsPerRun: 20, prefix });
const started = performance.now();
const endAt = started + Number(seconds) * 1000;
let written = 0;
let generated = 0;
const pending = new Set();
for (let tick = 0; performance.now() < endAt; tick++) {
  // Every event due by now: an append that held the loop (its fdatasync) is caught up on.
  const due = Math.floor(((performance.now() - started) * Number(rate)) / 1000) + perTick - generated;
  const batch = [];
  for (let i = 0; i < due; i++, generated++) {
    const { event_id: _id, timestamp_ms: _t, seq: _seq, ...input } = events.next().value;
    batch.push(input);
  }
  // Not awaited: a job's events come when they come; appends made while one is being written
  // share its write and fdatasync (the writer's group commit).
  const called = wallMs();
  const appended = writer.appendMany(batch).then(() => {
    const at = wallMs();
    written += batch.length;
    let out = "";
    for (const e of batch) {
      if (e.event_type === "run.created") out += `${e.run_id} created ${at} ${called}\n`;
      else if (e.event_type === "run.completed") out += `${e.run_id} completed ${at} ${called}\n`;
    }
    if (out) process.stdout.write(out);
    pending.delete(appended);
  });
  pending.add(appended);
  const wait = started + (tick + 1) * TICK_MS - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await Promise.all(pending);
await writer.close();
process.stdout.write(`done ${written} ${generated} ${((performance.now() - started) / 1000).toFixed(3)}\n`);
