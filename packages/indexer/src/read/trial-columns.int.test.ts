import { createEventIdFactory } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { openIndexer } from "../indexer.js";
import { reader, tempRoot, track } from "../test-support/index-fixture.js";
import { backtestEvents, writeLog } from "../test-support/workload.js";
import { runTrials, type TrialRow } from "./runs.js";
import { runTrialColumns, type TrialColumns } from "./trial-columns.js";

/** The same answer built in JavaScript from the trials as rows: what the SQL must agree with. */
function columnsOf(rows: TrialRow[]): TrialColumns {
  const params: Record<string, unknown[]> = {};
  const metrics: Record<string, (number | null)[]> = {};
  const put = <T>(into: Record<string, T[]>, name: string, i: number, value: T) => {
    into[name] ??= new Array<T>(rows.length).fill(null as T);
    (into[name] as T[])[i] = value;
  };
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row.params ?? {})) put(params, name, i, value);
    for (const [name, value] of Object.entries(row.metrics ?? {})) put(metrics, name, i, value);
  });
  return {
    total: rows.length,
    trial_id: rows.map((r) => r.trial_id),
    recorded_ms: rows.map((r) => r.recorded_ms),
    params,
    metrics,
  };
}

/** Keys with every character a JSON pointer or a SQL literal treats specially. */
const AWKWARD = ["a/b", "$x", "t~", 'q"z', "it's", "", "sp ace", "ü→λ", "~1", "/"];

function trial(runId: string, t: number, i: number, nextId: (t: number) => string) {
  const key = AWKWARD[i % AWKWARD.length] as string;
  return {
    event_id: nextId(t),
    event_type: "trial.recorded",
    schema_version: 1,
    timestamp_ms: t,
    run_id: runId,
    seq: i + 1,
    trial_id: `t-${i}`,
    // Not every trial has every field; values of every JSON kind.
    params: {
      [key]: [i, `s${i}`, true, null, { nested: [i] }][i % 5],
      ...(i % 2 === 0 ? { fast: i } : {}),
    },
    metrics: { [key]: i / 7, ...(i % 3 === 0 ? { sharpe: -i } : {}) },
  };
}

describe("runTrialColumns", () => {
  it("gives the trials as columns, in recorded order, equal to the rows they come from", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    const nextId = createEventIdFactory();
    const t0 = Date.UTC(2026, 0, 5, 9);
    // Recorded out of the order they are written in, two at the same millisecond.
    const events = Array.from({ length: 60 }, (_, i) => trial("odd", t0 + ((i * 17) % 60) * 1000, i, nextId));
    events.push(trial("odd", t0, 60, nextId));
    writeLog(root, [...backtestEvents({ runs: 2, trialsPerRun: 3 }), ...events]);
    await indexer.update();
    const r = reader(root);

    const odd = await runTrialColumns(r, "odd");
    expect(odd.total).toBe(61);
    expect(odd).toEqual(columnsOf(await runTrials(r, "odd")));
    expect(Object.keys(odd.params).sort()).toEqual([...AWKWARD, "fast"].sort());
    expect(odd.recorded_ms).toEqual([...odd.recorded_ms].sort((a, b) => a - b));

    expect(await runTrialColumns(r, "run-000001")).toEqual(columnsOf(await runTrials(r, "run-000001")));
    expect(await runTrialColumns(r, "no-such-run")).toEqual({
      total: 0,
      trial_id: [],
      recorded_ms: [],
      params: {},
      metrics: {},
    });
  });
});
