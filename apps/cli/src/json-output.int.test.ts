import { describe, expect, it } from "vitest";
import { ledger, ledgerLive, tempRoot } from "./test-support/cli.js";

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("--json prints typed JSON, the shapes the HTTP API serves", () => {
  it("runs and run: numbers as numbers, summary as an object, ISO times, as GET /runs and GET /runs/{id}", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "3", "--root", root]).code).toBe(0);
    const runs = lines(ledger(["runs", "--json", "--root", root]).stdout);
    const done = runs.find((r) => r.status === "succeeded" && r.run_type === "optimize");
    expect(done).toMatchObject({
      duration_ms: expect.any(Number),
      exit_code: 0,
      trials: expect.any(Number),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const id = String(done?.run_id);
    const run = JSON.parse(ledger(["run", id, "--json", "--root", root]).stdout);
    expect(run.run).toMatchObject({ run_id: id, duration_ms: expect.any(Number), exit_code: 0 });
    expect(run.run.summary).toMatchObject({ trials: run.trials, best_sharpe: expect.any(Number) });
    expect(run.trials).toBeGreaterThan(0);
    expect(run.best_trial).toEqual({ trial_id: expect.any(String), sharpe: run.run.summary.best_sharpe });
    for (const phase of run.phases) {
      expect(phase).toEqual({
        phase: expect.any(String),
        phase_order: expect.any(Number),
        started_ms: expect.any(Number),
        completed_ms: expect.any(Number),
        duration_ms: expect.any(Number),
      });
    }
    expect(run.artifacts[0].bytes).toEqual(expect.any(Number));

    const serve = ledgerLive(["serve", "--port", "0", "--root", root]);
    try {
      await serve.waitFor(/serving http:\/\/\S+\//);
      const base = /serving (http:\/\/\S+?)\/?(\s|$)/.exec(serve.output())?.[1];
      const api = (await (await fetch(`${base}/runs`)).json()) as { runs: unknown[] };
      expect(api.runs).toEqual(runs);
      // The API adds the log position its answer reflects, for the page to follow on from.
      const { cursor, ...detail } = (await (await fetch(`${base}/runs/${id}`)).json()) as { cursor: unknown };
      expect(cursor).toEqual(expect.any(String));
      expect(detail).toEqual(run);
    } finally {
      serve.child.kill("SIGTERM");
    }
  });
});
