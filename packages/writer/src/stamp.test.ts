import { SchemaValidationError } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { EventStamper } from "./stamp.js";

const trial = (runId: string, i: number) => ({
  event_type: "trial.recorded",
  run_id: runId,
  trial_id: `t${i}`,
  params: {},
  metrics: { sharpe: i },
});

describe("EventStamper", () => {
  it("fills the envelope, counts seq per run from 1 and serializes one line", () => {
    const stamper = new EventStamper({ clock: () => 1_700_000_000_000 });
    const a = stamper.stamp(trial("run-a", 1));
    const b = stamper.stamp(trial("run-b", 1));
    const c = stamper.stamp(trial("run-a", 2));
    expect([a.event.seq, b.event.seq, c.event.seq]).toEqual([1, 1, 2]);
    expect(a.event).toMatchObject({ timestamp_ms: 1_700_000_000_000, schema_version: 1 });
    expect(a.event.event_id < c.event.event_id).toBe(true);
    expect(a.line).toBe(`${JSON.stringify(a.event)}\n`);
  });

  it("stamps a batch all or nothing: a bad event leaves every run's seq as it was", () => {
    const stamper = new EventStamper();
    stamper.stamp(trial("run-a", 1));
    expect(() =>
      stamper.stampMany([trial("run-a", 2), { event_type: "trial.recorded", run_id: "run-a" }]),
    ).toThrow(SchemaValidationError);
    expect(stamper.stamp(trial("run-a", 2)).event.seq).toBe(2);
  });
});
