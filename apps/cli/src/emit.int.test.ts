import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

describe("ledger emit", () => {
  it("cuts a truncatable field over the line limit with a marker, and refuses any other oversized event", () => {
    const root = tempRoot();
    const output_summary = { blob: "x".repeat(2_000_000) };
    const big = { event_type: "phase.completed", run_id: "r", phase: "load", duration_ms: 5, output_summary };
    const emitted = ledger(["emit", "--root", root], { input: `${JSON.stringify(big)}\n` });
    expect(emitted.stderr).toBe("");
    expect(emitted.code).toBe(0);
    const [stored] = ledger(["events", "--json", "--root", root])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(stored.output_summary).toMatchObject({ _truncated: true, original_bytes: 2_000_011 });

    const other = tempRoot();
    const params = { blob: "x".repeat(2_000_000) };
    const trial = { event_type: "trial.recorded", run_id: "r", trial_id: "t", params, metrics: {} };
    const batch = `${JSON.stringify({ event_type: "run.started", run_id: "r" })}\n${JSON.stringify(trial)}\n`;
    const refused = ledger(["emit", "--root", other], { input: batch });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ledger: line 2: trial\.recorded event is \d+ bytes .*\[LEDGER_LINE_TOO_LARGE\]\n$/,
    );
    expect(existsSync(`${other}/events`)).toBe(false);
  });
});
