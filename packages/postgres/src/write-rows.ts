import type { RunRecord, RunRecords } from "@ledger/indexer";
import type pg from "pg";
import { pgJson, pgText } from "./pg-json.js";

type Kind = "text" | "jsonb" | "other";

/** A column written by the sync: its SQL type, and how its value comes from the index's row. */
interface Column<T> {
  name: string;
  type: string;
  value: (row: T) => unknown;
}

const col = <T>(name: string, type: string, value: (row: T) => unknown): Column<T> => ({ name, type, value });

const RUN_COLUMNS: Column<RunRecord>[] = [
  col("run_id", "text", (r) => r.run_id),
  col("run_type", "text", (r) => r.run_type),
  col("status", "text", (r) => r.status),
  col("exit_code", "integer", (r) => r.exit_code),
  col("created_at", "timestamptz", (r) => r.created_at),
  col("started_at", "timestamptz", (r) => r.started_at),
  col("completed_at", "timestamptz", (r) => r.completed_at),
  col("duration_ms", "bigint", (r) => r.duration_ms),
  col("summary", "jsonb", (r) => r.summary),
  col("config", "jsonb", (r) => r.config),
  col("data_fingerprint", "text", (r) => r.data_fingerprint),
  col("git", "jsonb", (r) =>
    r.git_commit === null && r.git_branch === null && r.git_dirty === null
      ? null
      : { commit: r.git_commit, branch: r.git_branch, dirty: r.git_dirty },
  ),
  col("workspace_id", "text", (r) => r.workspace_id),
  col("configuration_id", "text", (r) => r.configuration_id),
  col("events_file", "text", (r) => r.events_file),
  col("events_offset", "bigint", (r) => r.events_offset),
  col("output_paths", "jsonb", (r) => r.artifact_paths),
  col("trial_count", "integer", (r) => r.trials),
  col("best_metric", "double precision", (r) => r.best_sharpe),
  col("best_trial", "text", (r) => r.best_trial),
  col("failed_phase", "text", (r) => r.failed_phase),
];

type Phase = RunRecords["phases"][number];
const PHASE_COLUMNS: Column<Phase>[] = [
  col("run_id", "text", (p) => p.run_id),
  col("phase", "text", (p) => p.phase),
  col("phase_order", "integer", (p) => p.phase_order),
  col("started_ms", "bigint", (p) => p.started_ms),
  col("completed_ms", "bigint", (p) => p.completed_ms),
  col("duration_ms", "double precision", (p) => p.duration_ms),
];

type Artifact = RunRecords["artifacts"][number] & { position: number };
const ARTIFACT_COLUMNS: Column<Artifact>[] = [
  col("run_id", "text", (a) => a.run_id),
  col("position", "integer", (a) => a.position),
  col("artifact_id", "text", (a) => a.artifact_id),
  col("kind", "text", (a) => a.kind),
  col("path", "text", (a) => a.path),
  col("format", "text", (a) => a.format),
  col("bytes", "bigint", (a) => a.bytes),
  col("sha256", "text", (a) => a.sha256),
];

const kindOf = (type: string): Kind => (type === "text" ? "text" : type === "jsonb" ? "jsonb" : "other");

/**
 * The rows as one array per column, for `unnest`: a batch is one statement and one round trip
 * whatever its size. Strings PostgreSQL refuses are escaped on the way (see `pgJson`); JSON
 * columns travel as text and are cast in SQL.
 */
function columnArrays<T>(columns: Column<T>[], rows: T[]): { arrays: unknown[][]; escaped: number } {
  let escaped = 0;
  const arrays = columns.map((c) => {
    const kind = kindOf(c.type);
    return rows.map((row) => {
      const value = c.value(row);
      if (value === null || value === undefined) return null;
      if (kind === "other") return value;
      const safe = kind === "jsonb" ? pgJson(value) : pgText(String(value));
      escaped += safe.escaped;
      return safe.text;
    });
  });
  return { arrays, escaped };
}

/** `SELECT … FROM unnest($1::text[], $2::jsonb-as-text[], …) AS r(names)`. */
function unnest<T>(columns: Column<T>[]): string {
  const arrays = columns.map((c, i) => `$${i + 1}::${kindOf(c.type) === "jsonb" ? "text" : c.type}[]`);
  const select = columns.map((c) => (kindOf(c.type) === "jsonb" ? `${c.name}::jsonb` : c.name));
  return `SELECT ${select.join(", ")} FROM unnest(${arrays.join(", ")}) AS r(${columns.map((c) => c.name).join(", ")})`;
}

const runNames = RUN_COLUMNS.map((c) => c.name);
const updated = runNames.filter((name) => name !== "run_id");

/**
 * Upserts the rows `select` gives, with the columns of `RUN_COLUMNS` in their order. A row equal
 * to the stored one is not rewritten, so a sync with nothing new writes nothing and the count is
 * of rows that changed.
 */
export const upsertRuns = (select: string) => `
  INSERT INTO ledger_runs (${runNames.join(", ")}) ${select}
  ON CONFLICT (run_id) DO UPDATE SET ${updated.map((n) => `${n} = excluded.${n}`).join(", ")}
  WHERE (${updated.map((n) => `ledger_runs.${n}`).join(", ")})
    IS DISTINCT FROM (${updated.map((n) => `excluded.${n}`).join(", ")})`;

const UPSERT_RUNS = upsertRuns(unnest(RUN_COLUMNS));

const PHASES = `
  INSERT INTO ledger_phases (run_id, phase, phase_order, started_at, completed_at, duration_ms)
  SELECT run_id, phase, phase_order, 'epoch'::timestamptz + started_ms * interval '1 millisecond',
         'epoch'::timestamptz + completed_ms * interval '1 millisecond', duration_ms
  FROM (${unnest(PHASE_COLUMNS)}) p`;

const ARTIFACTS = `INSERT INTO ledger_artifacts (${ARTIFACT_COLUMNS.map((c) => c.name).join(", ")}) ${unnest(ARTIFACT_COLUMNS)}`;

export interface WriteCounts {
  /** Runs inserted or changed. */
  runs: number;
  phases: number;
  artifacts: number;
  /** Strings stored escaped because PostgreSQL refuses them as they are. */
  escaped: number;
}

/**
 * Writes one batch of runs, and replaces their phases and artifacts, inside the caller's
 * transaction: at most five statements, whatever the batch's size.
 */
export async function writeRuns(client: pg.ClientBase, records: RunRecords): Promise<WriteCounts> {
  if (records.runs.length === 0) return { runs: 0, phases: 0, artifacts: 0, escaped: 0 };
  const runs = columnArrays(RUN_COLUMNS, records.runs);
  const upserted = await client.query(UPSERT_RUNS, runs.arrays);
  // Only runs the index has rows for: phases of a run with no lifecycle event yet stay out, as
  // they stay out of the index's own listings.
  const ids = records.runs.map((r) => r.run_id);
  await client.query("DELETE FROM ledger_phases WHERE run_id = ANY($1::text[])", [ids]);
  await client.query("DELETE FROM ledger_artifacts WHERE run_id = ANY($1::text[])", [ids]);
  const known = new Set(ids);
  const phaseRows = records.phases.filter((p) => known.has(p.run_id));
  const phases = columnArrays(PHASE_COLUMNS, phaseRows);
  if (phaseRows.length > 0) await client.query(PHASES, phases.arrays);
  const positions = new Map<string, number>();
  const artifactRows = records.artifacts
    .filter((a) => known.has(a.run_id))
    .map((a) => {
      const position = positions.get(a.run_id) ?? 0;
      positions.set(a.run_id, position + 1);
      return { ...a, position };
    });
  const artifacts = columnArrays(ARTIFACT_COLUMNS, artifactRows);
  if (artifactRows.length > 0) await client.query(ARTIFACTS, artifacts.arrays);
  return {
    runs: upserted.rowCount ?? 0,
    phases: phaseRows.length,
    artifacts: artifactRows.length,
    escaped: runs.escaped + phases.escaped + artifacts.escaped,
  };
}
