import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import { indexDigest } from "./test-support/index-digest.js";
import { reader, rebuiltDigest, tempRoot, track } from "./test-support/index-fixture.js";
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

type AnyKind = Kind | "phase" | "phaseDone" | "trial" | "artifact" | "alert" | "again";
const KINDS: AnyKind[] = [
  "created",
  "started",
  "completed",
  "phase",
  "phaseDone",
  "trial",
  "artifact",
  "alert",
  "again",
];
const PHASES = ["load", "execute"] as const;

const anyEvent = fc.record({
  kind: fc.constantFrom(...KINDS),
  run: fc.integer({ min: 0, max: 3 }),
  phase: fc.constantFrom(...PHASES),
  at: fc.integer({ min: 0, max: 1_000 }),
  part: fc.integer({ min: 1, max: 3 }),
  round: fc.integer({ min: 0, max: 3 }),
});

type AnyEvent = { kind: AnyKind; run: number; phase: (typeof PHASES)[number]; at: number };

/** One line of the log for a generated event; `again` repeats an earlier line of the same part. */
function lineOf(e: AnyEvent, i: number): Record<string, unknown> {
  const base = Date.UTC(2026, 0, 5);
  const run = { run_id: `r${e.run}`, schema_version: 1, timestamp_ms: base + e.at * 100 + i };
  const id = `01JN${String(i).padStart(22, "0")}`;
  switch (e.kind) {
    case "created":
      return {
        event_id: id,
        event_type: "run.created",
        ...run,
        run_type: "t",
        config: { i },
        data_fingerprint: `f${i}`,
        workspace_id: `w${i}`,
      };
    case "started":
      return { event_id: id, event_type: "run.started", ...run };
    case "completed":
      return {
        event_id: id,
        event_type: "run.completed",
        ...run,
        status: i % 2 ? "failed" : "succeeded",
        summary: { i },
        artifact_paths: [`a${i}.json`],
      };
    case "phase":
      return {
        event_id: id,
        event_type: "phase.started",
        ...run,
        phase: e.phase,
        phase_order: PHASES.indexOf(e.phase),
      };
    case "phaseDone":
      return {
        event_id: id,
        event_type: "phase.completed",
        ...run,
        phase: e.phase,
        duration_ms: i,
        output_summary: { i },
      };
    case "trial":
      return {
        event_id: id,
        event_type: "trial.recorded",
        ...run,
        trial_id: `t${i}`,
        params: { i },
        metrics: { sharpe: i / 7 },
      };
    case "artifact":
      return {
        event_id: id,
        event_type: "artifact.created",
        ...run,
        artifact_id: `x${i}`,
        kind: "report",
        path: `x${i}.json`,
        format: "json",
        bytes: i,
        sha256: "0".repeat(64),
      };
    default:
      return {
        event_id: id,
        event_type: "alert.ingested",
        schema_version: 1,
        timestamp_ms: run.timestamp_ms,
        alert_id: `al${i}`,
        source: "s",
        received_at_ms: base,
        payload: { i },
      };
  }
}

describe("incremental oracle", () => {
  it("any split of a stream into rounds and parts gives the index a full rebuild gives, catalog and alerts included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyEvent, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(600, 4096, 4 * 1024 * 1024),
        async (events, batchBytes) => {
          const root = tempRoot();
          const indexer = track(await openIndexer({ root, batchBytes }));
          // Each part keeps its lines in order, so the first copy of a repeated line is the same
          // one whichever way the log is read.
          const written: Record<string, unknown>[][] = [[], [], [], []];
          for (let round = 0; round <= 3; round++) {
            events.forEach((e, i) => {
              if (e.round !== round) return;
              const earlier = written[e.part]!;
              const line = e.kind === "again" ? earlier[i % Math.max(1, earlier.length)] : lineOf(e, i);
              if (!line) return;
              earlier.push(line);
              writeLog(root, [line], "2026-01-05", e.part);
            });
            await indexer.update();
          }
          const live = reader(root);
          const incremental = await indexDigest(live);
          expect(incremental).toEqual(await rebuiltDigest(root));
          const ids = new Set(
            Object.values(written)
              .flat()
              .map((l) => String(l.event_id)),
          );
          expect(incremental.event_pointers).toMatch(new RegExp(`^${ids.size} `));
          await indexer.close();
        },
      ),
      { numRuns: 20 },
    );
  }, 180_000);
});
