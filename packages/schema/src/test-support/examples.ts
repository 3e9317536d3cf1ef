// Valid examples of every core type, shared by the schema tests (not part of the public surface).
import type { CoreEventMap, CoreEventType } from "../events/core.js";

const base = {
  event_id: "01JJ0000000000000000000000",
  schema_version: 1,
  timestamp_ms: 1_769_126_400_000,
} as const;
const run = { ...base, run_id: "run-2026.01_23", seq: 1 } as const;

export const validExamples: { [T in CoreEventType]: CoreEventMap[T] } = {
  "run.created": {
    ...run,
    event_type: "run.created",
    run_type: "baseline",
    config: { strategy: "momentum", window: 20 },
    data_fingerprint: "sha256:abc",
    git: { commit: "0a1b2c3", branch: "main", dirty: false },
    workspace_id: "ws-1",
  },
  "run.started": { ...run, event_type: "run.started" },
  "run.completed": {
    ...run,
    event_type: "run.completed",
    status: "succeeded",
    summary: { trades: 12, pnl: 3.5 },
    artifact_paths: ["trades.parquet", "reports/summary.json"],
    exit_code: 0,
  },
  "phase.started": { ...run, event_type: "phase.started", phase: "plan", phase_order: 0 },
  "phase.completed": {
    ...run,
    event_type: "phase.completed",
    phase: "plan",
    duration_ms: 12.5,
    output_summary: { rows: 10 },
  },
  "trial.recorded": {
    ...run,
    event_type: "trial.recorded",
    trial_id: "t-0001",
    params: { fast: 5, slow: 20 },
    metrics: { sharpe: 1.2, max_drawdown: -0.08 },
  },
  "baseline.completed": {
    ...run,
    event_type: "baseline.completed",
    baseline_id: "buy-and-hold",
    metrics: { sharpe: 0.4 },
  },
  "artifact.created": {
    ...run,
    event_type: "artifact.created",
    artifact_id: "trades",
    kind: "trades",
    path: "trades.parquet",
    format: "parquet",
    bytes: 2048,
    sha256: "a".repeat(64),
  },
  "alert.ingested": {
    ...base,
    event_type: "alert.ingested",
    alert_id: "a-1",
    source: "pagerduty",
    received_at_ms: 1_769_126_400_500,
    payload: { severity: "high" },
  },
};

/** For each core type, edits that must each make an otherwise valid example invalid. */
export const invalidEdits: Record<CoreEventType, Record<string, unknown>[]> = {
  "run.created": [
    { run_type: 5 },
    { config: "{}" },
    { data_fingerprint: undefined },
    { git: { commit: "x" } },
  ],
  "run.started": [{ run_id: "../etc" }, { seq: 0 }, { surprise: true }],
  "run.completed": [{ status: "exploded" }, { artifact_paths: ["../../secret"] }, { summary: [] }],
  "phase.started": [{ phase_order: -1 }, { phase: "" }, { phase_order: 1.5 }],
  "phase.completed": [{ duration_ms: "fast" }, { output_summary: null }],
  "trial.recorded": [{ metrics: { sharpe: "high" } }, { trial_id: undefined }, { params: 3 }],
  "baseline.completed": [{ baseline_id: "" }, { metrics: { x: null } }],
  "artifact.created": [{ path: "/etc/passwd" }, { sha256: "xyz" }, { bytes: -1 }, { artifact_id: "a/b" }],
  "alert.ingested": [{ run_id: "run-1" }, { received_at_ms: "now" }, { event_id: "not-an-id" }],
};

/** Applies an edit; a key set to `undefined` is removed. */
export function edited<T extends object>(event: T, edit: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(event as Record<string, unknown>) };
  for (const [k, v] of Object.entries(edit)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
