import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

const DAY = 86_400_000;
const now = Date.now();

/** Events `age` days old, through `ledger emit` as a backfill sends them (NDJSON on stdin). */
function emitAt(root: string, age: number, events: Record<string, unknown>[]): void {
  const lines = events.map((e, i) => JSON.stringify({ ...e, timestamp_ms: now - age * DAY + i }));
  const r = ledger(["emit", "--root", root], { input: `${lines.join("\n")}\n` });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

const created = (run_id: string) => ({
  event_type: "run.created",
  run_id,
  run_type: "optimize",
  config: { fast: 3 },
  data_fingerprint: "fp",
});
const trial = (run_id: string, i: number) => ({
  event_type: "trial.recorded",
  run_id,
  trial_id: `t${i}`,
  params: { i },
  metrics: { sharpe: i / 10 },
});
const completed = (run_id: string) => ({
  event_type: "run.completed",
  run_id,
  status: "succeeded",
  summary: { best: 1 },
  artifact_paths: [],
});

/** What readers see: the runs list, and how many rows each derived table holds. */
function view(root: string): string {
  const runs = ledger(["runs", "--json", "--root", root]);
  expect(runs.code).toBe(0);
  const counts = ledger([
    "query",
    `SELECT (SELECT count(*) FROM trial_results) AS trials, (SELECT count(*) FROM phase_timings) AS phases,
            (SELECT count(*) FROM event_pointers) AS events, (SELECT count(*) FROM catalog.run_pointers) AS pointers`,
    "--json",
    "--root",
    root,
  ]);
  expect(counts.code).toBe(0);
  return runs.stdout + counts.stdout;
}

function rebuild(root: string, ...flags: string[]): void {
  const r = ledger(["rebuild-index", "--root", root, ...flags]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

describe("retention and full rebuilds", () => {
  it("a full rebuild keeps every run whose days retention deleted, from its checkpoint", () => {
    const root = tempRoot();
    emitAt(root, 200, [
      created("ancient"),
      { event_type: "run.started", run_id: "ancient" },
      trial("ancient", 1),
    ]);
    emitAt(root, 150, [trial("ancient", 2), created("spanning")]);
    emitAt(root, 30, [created("recent"), trial("recent", 1), completed("spanning")]);
    // Each old event is in the folder of its own day, so retention judges it by when it happened.
    expect(readdirSync(join(root, "events")).filter((d) => d.startsWith("day="))).toHaveLength(3);
    rebuild(root);
    const before = view(root);
    expect(before).toContain('"ancient"');

    const gone = ledger(["retention", "--delete-after", "90d", "--root", root]);
    expect(gone.code).toBe(0);
    expect(readdirSync(join(root, "events")).filter((d) => d.startsWith("day="))).toHaveLength(1);
    expect(view(root)).toBe(before);
    rebuild(root, "--full-rebuild");
    expect(view(root)).toBe(before);

    // The log goes on after the checkpoint: a late completion of a deleted run, a new run, and
    // a backfilled day that a second retention deletes too.
    emitAt(root, 0, [completed("ancient"), created("fresh")]);
    emitAt(root, 120, [created("backfilled"), trial("backfilled", 1)]);
    rebuild(root);
    const incremental = view(root);
    rebuild(root, "--full-rebuild");
    expect(view(root)).toBe(incremental);
    expect(ledger(["retention", "--delete-after", "90d", "--root", root]).code).toBe(0);
    rebuild(root, "--full-rebuild");
    expect(view(root)).toBe(incremental);
    for (const run of ["ancient", "spanning", "recent", "fresh", "backfilled"])
      expect(incremental).toContain(`"${run}"`);

    const doctor = ledger(["doctor", "--json", "--root", root]);
    expect(doctor.code).toBe(0);
    const check = (JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean }[] }).checks.find(
      (c) => c.name === "retention checkpoints",
    );
    expect(check?.ok).toBe(true);
  });

  it("doctor and a full rebuild refuse a damaged checkpoint, and the published index stays", () => {
    const root = tempRoot();
    emitAt(root, 200, [created("ancient"), trial("ancient", 1)]);
    emitAt(root, 1, [created("recent")]);
    rebuild(root);
    expect(ledger(["retention", "--delete-after", "90d", "--root", root]).code).toBe(0);
    const before = view(root);
    const dir = join(root, "index", "checkpoints");
    const [checkpoint] = readdirSync(dir);
    writeFileSync(join(dir, checkpoint!, "runs.trial_results.parquet"), "not parquet");

    const doctor = ledger(["doctor", "--root", root]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL {2}retention checkpoints: .*trial_results.parquet is damaged/);
    const failed = ledger(["rebuild-index", "--full-rebuild", "--root", root]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/LEDGER_CHECKPOINT_INVALID/);
    expect(failed.stderr.trim().split("\n")).toHaveLength(1);
    expect(view(root)).toBe(before);
  });
});
