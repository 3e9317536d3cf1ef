import * as fs from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { attachLegacy } from "./attach-legacy.js";
import { LegacyDatabaseError } from "./errors.js";
import type { LegacyLayout } from "./layout.js";

interface Table {
  name: string;
  columns: { name: string; numeric: boolean }[];
}

type Role = "runs" | "phases" | "trials" | "baselines";

/**
 * Names each layout key is often given, most likely first. A column whose name contains none of
 * them is not guessed: a wrong guess the user must notice is worse than a gap they must fill.
 */
const SYNONYMS: Record<Role, Record<string, string[]>> = {
  runs: {
    run_id: ["run_id", "id", "runid", "run", "run_uuid"],
    status: ["status", "state", "outcome"],
    created_at: [
      "created_at",
      "created",
      "ts_created",
      "created_ts",
      "create_time",
      "submitted_at",
      "inserted_at",
    ],
    run_type: ["run_type", "type", "kind", "job_type"],
    started_at: ["started_at", "started", "ts_started", "start_time", "start_ts"],
    completed_at: [
      "completed_at",
      "finished_at",
      "ended_at",
      "ts_completed",
      "ts_finished",
      "end_time",
      "done_at",
    ],
    config: ["config_json", "config", "configuration", "settings", "params_json"],
    data_fingerprint: ["data_fingerprint", "fingerprint", "data_hash", "dataset_hash"],
    exit_code: ["exit_code", "exitcode", "return_code", "rc"],
    summary: ["summary_json", "summary", "result_json", "results_json"],
  },
  phases: {
    run_id: ["run_id", "runid", "run"],
    phase: ["phase", "phase_name", "step", "stage"],
    phase_order: ["phase_order", "ordinal", "step_order", "position", "seq"],
    started_at: ["started_at", "started", "ts_started", "start_time"],
    completed_at: ["completed_at", "finished_at", "finished", "ended_at", "ts_completed", "end_time"],
    duration_ms: ["duration_ms", "elapsed_ms", "duration"],
  },
  trials: {
    run_id: ["run_id", "runid", "run"],
    trial_id: ["trial_id", "trial", "trial_no", "trial_number", "id"],
    params: ["params_json", "params", "parameters", "param_json"],
    recorded_at: ["recorded_at", "ts_recorded", "created_at", "completed_at", "ts"],
    metrics_json: ["metrics_json", "metrics", "results_json", "scores_json"],
  },
  baselines: {
    run_id: ["run_id", "runid", "run"],
    baseline_id: ["baseline_id", "baseline", "baseline_name", "strategy"],
    completed_at: ["completed_at", "finished_at", "recorded_at", "ts_completed"],
    metrics_json: ["metrics_json", "metrics", "results_json"],
  },
};

const REQUIRED: Record<Role, string[]> = {
  runs: ["run_id", "status", "created_at"],
  phases: ["run_id", "phase"],
  trials: ["run_id", "trial_id"],
  baselines: ["run_id", "baseline_id"],
};

/** Words in a table's name that say which role it plays. */
const TABLE_WORDS: Record<Role, RegExp> = {
  runs: /run/i,
  phases: /phase|step|stage/i,
  trials: /trial/i,
  baselines: /baseline/i,
};

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL)/i;

/** Tables and their columns, in the attached `legacy` database. */
async function readTables(legacyDb: string): Promise<Table[]> {
  if (!fs.existsSync(legacyDb)) throw new LegacyDatabaseError(`no legacy database at ${legacyDb}`);
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    await attachLegacy(c, legacyDb);
    const rows = (
      await c.runAndReadAll(
        `SELECT CASE WHEN schema_name = 'main' THEN table_name ELSE schema_name || '.' || table_name END AS t,
                column_name AS c, data_type AS type
         FROM duckdb_columns() WHERE database_name = 'legacy' ORDER BY t, column_index`,
      )
    ).getRowObjectsJson() as { t: string; c: string; type: string }[];
    const tables = new Map<string, Table>();
    for (const row of rows) {
      const table = tables.get(row.t) ?? { name: row.t, columns: [] };
      table.columns.push({ name: row.c, numeric: NUMERIC.test(row.type) });
      tables.set(row.t, table);
    }
    return [...tables.values()];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Each key of `role` mapped to the first column of `table` that one of its names matches. */
function guessColumns(table: Table, role: Role): Record<string, string> {
  const taken = new Set<string>();
  const mapped: Record<string, string> = {};
  for (const [key, names] of Object.entries(SYNONYMS[role])) {
    const column = names
      .map((n) => table.columns.find((c) => c.name.toLowerCase() === n && !taken.has(c.name)))
      .find((c) => c !== undefined);
    if (column) {
      mapped[key] = column.name;
      taken.add(column.name);
    }
  }
  return mapped;
}

function score(table: Table, role: Role): number {
  const named = TABLE_WORDS[role].test(table.name) ? 10 : 0;
  const mapped = guessColumns(table, role);
  return named + REQUIRED[role].filter((k) => k in mapped).length * 3 + Object.keys(mapped).length;
}

/**
 * A starting layout for a legacy file, from its own tables and columns: each role (runs,
 * phases, trials, baselines) given the table whose name and columns fit it best, each key the
 * column whose name is a usual one for it, and leftover numeric columns of trials and baselines
 * as their metrics. A required key with no likely column is a placeholder that fails validation
 * until it is edited; `legacy_columns` lists everything the file holds, to map by editing.
 */
export async function suggestLayout(legacyDb: string): Promise<LegacyLayout> {
  const tables = await readTables(legacyDb);
  const used = new Set<string>();
  const pick = (role: Role, required: boolean): Table | undefined => {
    const ranked = tables
      .filter((t) => !used.has(t.name))
      .map((t) => ({ t, s: score(t, role) }))
      .sort((a, b) => b.s - a.s);
    const best = ranked[0];
    if (!best || (!required && best.s < 10 + REQUIRED[role].length * 3)) return undefined;
    used.add(best.t.name);
    return best.t;
  };
  const part = (role: Role, table: Table) => {
    const columns = guessColumns(table, role);
    for (const key of REQUIRED[role]) columns[key] ??= `<${key}: choose a column of ${table.name}>`;
    return { table: table.name, columns };
  };
  // The children first: a trials table also has a run_id and a status-like column.
  const children = (["trials", "baselines", "phases"] as const).map(
    (role) => [role, pick(role, false)] as const,
  );
  const runsTable = pick("runs", true);
  if (runsTable === undefined) throw new LegacyDatabaseError(`${legacyDb} holds no tables`);
  const layout: Record<string, unknown> = { runs: part("runs", runsTable) };
  for (const [role, table] of children) {
    if (table === undefined) continue;
    const mapped = part(role, table);
    if (role !== "phases" && mapped.columns.metrics_json === undefined) {
      const taken = new Set(Object.values(mapped.columns));
      const metrics = table.columns.filter((c) => c.numeric && !taken.has(c.name)).map((c) => c.name);
      layout[role] = { ...mapped, metrics };
    } else layout[role] = mapped;
  }
  layout.legacy_columns = Object.fromEntries(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
  return layout as LegacyLayout;
}
