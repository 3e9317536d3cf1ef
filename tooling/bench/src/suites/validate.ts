import { canonicalJson, catalogueJsonSchema, newEventId, validateEvent } from "@ledger/schema";
import { Ajv } from "ajv";
import { median } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

/** A typical ~300-byte trial.recorded event, the same one every suite uses. */
export function typicalTrial(i: number): Record<string, unknown> {
  return {
    event_id: newEventId(),
    event_type: "trial.recorded",
    schema_version: 1,
    timestamp_ms: Date.now(),
    run_id: "bench-run-000001",
    seq: i + 1,
    trial_id: `trial-${String(i).padStart(6, "0")}`,
    params: { fast_window: 12, slow_window: 48, stop_loss: 0.02 },
    metrics: { sharpe: 1.4321, max_drawdown: -0.1234, cagr: 0.0876, trades: 412 },
  };
}

function throughput(check: (e: unknown) => boolean, events: unknown[], loops: number): number {
  const start = process.hrtime.bigint();
  let ok = 0;
  for (let l = 0; l < loops; l++) for (const e of events) if (check(e)) ok++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (ok !== loops * events.length) throw new Error("bench event failed validation");
  return (loops * events.length) / seconds;
}

/** Validation throughput of `validateEvent` on one core, beside ajv on the exported JSON Schema. */
export async function validateSuite(runs: number): Promise<void> {
  const events = Array.from({ length: 1000 }, (_, i) => typicalTrial(i));
  const bytes = Buffer.byteLength(JSON.stringify(events[0]));
  const ajv = new Ajv({ strict: false });
  const ajvCheck = ajv.compile(JSON.parse(canonicalJson(catalogueJsonSchema())));
  const contestants: [string, (e: unknown) => boolean][] = [
    ["ledger validateEvent", (e) => validateEvent(e).ok],
    ["ajv (exported _schema.json)", (e) => ajvCheck(e) as boolean],
  ];
  for (const [, check] of contestants) throughput(check, events, 200); // warm up the JIT
  const rows: Row[] = contestants.map(([name, check]) => {
    const rates = Array.from({ length: runs }, () => throughput(check, events, 1000));
    return { name, rate: median(rates), note: `median of ${runs} x 1M events` };
  });
  printTable(
    `validation, trial.recorded (${bytes} bytes), one core`,
    "events/s",
    rows,
    "ledger validateEvent",
  );
}
