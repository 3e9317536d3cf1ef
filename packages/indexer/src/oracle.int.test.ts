import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import { reader, tempRoot, track } from "./test-support/index-fixture.js";
import { writeLog } from "./test-support/workload.js";

type Kind = "created" | "started" | "completed";
interface Lifecycle {
  run: number;
  kind: Kind;
  at: number;
  status: "succeeded" | "failed" | "cancelled";
}

/** The status a run must end with, computed the simplest way: from all of its events at once. */
function expectedStatus(events: Lifecycle[]): Map<string, { status: string; completed: number | null }> {
  const byRun = new Map<string, Lifecycle[]>();
  for (const e of events) byRun.set(`r${e.run}`, [...(byRun.get(`r${e.run}`) ?? []), e]);
  const out = new Map<string, { status: string; completed: number | null }>();
  for (const [run, list] of byRun) {
    const completions = list.filter((e) => e.kind === "completed").sort((a, b) => a.at - b.at);
    const first = completions[0];
    const status = first ? first.status : list.some((e) => e.kind === "started") ? "running" : "created";
    out.set(run, { status, completed: first ? first.at : null });
  }
  return out;
}

const lifecycle = fc.record({
  run: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom<Kind>("created", "started", "completed"),
  at: fc.integer({ min: 0, max: 1_000 }),
  status: fc.constantFrom("succeeded" as const, "failed" as const, "cancelled" as const),
});

describe("status oracle", () => {
  it("matches a from-scratch model whatever the order, files and rounds the events come in", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lifecycle, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 25, maxLength: 25 }),
        fc.integer({ min: 1, max: 3 }),
        async (events, placement, rounds) => {
          const root = tempRoot();
          const indexer = track(await openIndexer({ root }));
          const base = Date.UTC(2026, 0, 5);
          // Distinct times: with two completions at the same millisecond, either may win.
          events.forEach((e, i) => {
            e.at = e.at * 100 + i;
          });
          const lines = events.map((e, i) => ({
            event_id: `01JK${String(i).padStart(22, "0")}`,
            event_type: `run.${e.kind}`,
            schema_version: 1,
            timestamp_ms: base + e.at,
            run_id: `r${e.run}`,
            ...(e.kind === "created" ? { run_type: "t", config: {}, data_fingerprint: "f" } : {}),
            ...(e.kind === "completed" ? { status: e.status, summary: {}, artifact_paths: [] } : {}),
          }));
          const perRound = Math.ceil(lines.length / rounds);
          for (let r = 0; r < rounds; r++) {
            lines.slice(r * perRound, (r + 1) * perRound).forEach((line, i) => {
              writeLog(root, [line], "2026-01-05", 1 + (placement[r * perRound + i] ?? 0));
            });
            await indexer.update();
          }
          const got = await reader(root).query("SELECT run_id, status, completed_ms FROM runs_status");
          const want = expectedStatus(events);
          expect(got.length).toBe(want.size);
          for (const row of got) {
            const w = want.get(String(row.run_id));
            expect(row.status).toBe(w?.status);
            expect(row.completed_ms === null ? null : Number(row.completed_ms) - base).toBe(w?.completed);
          }
          await indexer.close();
        },
      ),
      { numRuns: 12 },
    );
  });
});
