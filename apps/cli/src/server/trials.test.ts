import { describe, expect, it } from "vitest";
import { trialColumns } from "./trials.js";

describe("trialColumns", () => {
  it("turns trials into one array per field, with null where a trial lacks one", () => {
    const columns = trialColumns([
      { trial_id: "a", params: { fast: 5 }, metrics: { sharpe: 1.5 }, recorded_ms: 10 },
      { trial_id: "b", params: { slow: 20 }, metrics: { sharpe: 0.5, pnl: 3 }, recorded_ms: 11 },
      { trial_id: null, params: null, metrics: null, recorded_ms: 12 },
    ]);
    expect(columns).toEqual({
      total: 3,
      trial_id: ["a", "b", null],
      recorded_ms: [10, 11, 12],
      params: { fast: [5, null, null], slow: [null, 20, null] },
      metrics: { sharpe: [1.5, 0.5, null], pnl: [null, 3, null] },
    });
  });
});
