import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const roots: string[] = [];

/** A fresh ledger root under the OS temp folder, removed after the test. */
export function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "ledger-writer-"));
  roots.push(root);
  return root;
}

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** Every part file under the root, relative to `events/`, sorted. */
export function partFiles(root: string): string[] {
  const events = join(root, "events");
  return readdirSync(events, { recursive: true, encoding: "utf8" })
    .filter((p) => /part-\d+\.jsonl(\.gz)?$/.test(p))
    .sort();
}

/** All lines of all part files, parsed. */
export function allLines(root: string): Record<string, unknown>[] {
  return partFiles(root).flatMap((f) =>
    readFileSync(join(root, "events", f), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

export function trial(runId: string, i: number): { event_type: string; [k: string]: unknown } {
  return {
    event_type: "trial.recorded",
    run_id: runId,
    trial_id: `t-${i}`,
    params: { fast: i % 7, slow: 20 },
    metrics: { sharpe: i / 100, max_drawdown: -0.1 },
  };
}
