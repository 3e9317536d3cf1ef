import { sqlIdent } from "@ledger/schema";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { LegacyLayoutError } from "./errors.js";

const IDENT = "[A-Za-z_][A-Za-z0-9_]{0,63}";
const Column = Type.String({ pattern: `^${IDENT}$` });
const Table = Type.String({ pattern: `^${IDENT}(\\.${IDENT})?$` });
const Optional = <T extends TSchema>(schema: T) => Type.Optional(schema);
const closed = { additionalProperties: false } as const;

/**
 * A layout as JSON: which legacy table holds what, under which column names. Only the columns
 * marked required must exist; every other one, and the phases, trials and baselines tables, may
 * be left out, and is then read as NULL (and listed by `compare()` as not checked).
 */
export const LegacyLayoutSchema = Type.Object(
  {
    runs: Type.Object(
      {
        table: Table,
        columns: Type.Object(
          {
            run_id: Column,
            /** Values `succeeded`/`success`/`completed`, `failed`/`error`, `cancelled`/`canceled`, `running`. */
            status: Column,
            /** A TIMESTAMP (UTC), or text DuckDB casts to one. */
            created_at: Column,
            run_type: Optional(Column),
            started_at: Optional(Column),
            completed_at: Optional(Column),
            /** JSON text, or NULL. */
            config: Optional(Column),
            data_fingerprint: Optional(Column),
            exit_code: Optional(Column),
            /** JSON text (an object), or NULL: becomes `run.completed`'s `summary`. */
            summary: Optional(Column),
          },
          closed,
        ),
      },
      closed,
    ),
    phases: Optional(
      Type.Object(
        {
          table: Table,
          columns: Type.Object(
            {
              run_id: Column,
              phase: Column,
              phase_order: Optional(Column),
              started_at: Optional(Column),
              completed_at: Optional(Column),
              duration_ms: Optional(Column),
            },
            closed,
          ),
        },
        closed,
      ),
    ),
    trials: Optional(
      Type.Object(
        {
          table: Table,
          columns: Type.Object(
            {
              run_id: Column,
              trial_id: Column,
              params: Optional(Column),
              recorded_at: Optional(Column),
              /** One JSON text column holding every metric, instead of `metrics`. */
              metrics_json: Optional(Column),
            },
            closed,
          ),
          /** Numeric columns that become the trial's `metrics`, instead of `columns.metrics_json`. */
          metrics: Optional(Type.Array(Column)),
        },
        closed,
      ),
    ),
    baselines: Optional(
      Type.Object(
        {
          table: Table,
          columns: Type.Object(
            {
              run_id: Column,
              baseline_id: Column,
              completed_at: Optional(Column),
              metrics_json: Optional(Column),
            },
            closed,
          ),
          metrics: Optional(Type.Array(Column)),
        },
        closed,
      ),
    ),
    /** What the legacy file holds (`ledger legacy init-layout` lists it); not read by the adapter. */
    legacy_columns: Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  },
  closed,
);

/**
 * Where the old system kept each thing, and under which column names. The default is the old
 * system's layout as ledger's original design notes describe it; real databases differ, so
 * every table and column can be remapped, and the optional ones left out, without code changes.
 */
export type LegacyLayout = Static<typeof LegacyLayoutSchema>;

export const defaultLegacyLayout: LegacyLayout = {
  runs: {
    table: "optimizer.runs_d",
    columns: {
      run_id: "run_id",
      run_type: "run_type",
      status: "status",
      created_at: "created_at",
      started_at: "started_at",
      completed_at: "completed_at",
      config: "config_json",
      data_fingerprint: "data_fingerprint",
      exit_code: "exit_code",
    },
  },
  phases: {
    table: "optimizer.phases_d",
    columns: {
      run_id: "run_id",
      phase: "phase",
      phase_order: "phase_order",
      started_at: "started_at",
      completed_at: "completed_at",
      duration_ms: "duration_ms",
    },
  },
  trials: {
    table: "optimizer.trials_f",
    columns: { run_id: "run_id", trial_id: "trial_id", params: "params_json", recorded_at: "recorded_at" },
    metrics: ["sharpe", "pnl", "max_drawdown", "trades"],
  },
  baselines: {
    table: "baseline.results_f",
    columns: { run_id: "run_id", baseline_id: "baseline_id", completed_at: "completed_at" },
    metrics: ["sharpe", "pnl"],
  },
};

/**
 * Checks a layout read from JSON and returns it typed. The first problem becomes one
 * `LegacyLayoutError` line naming its key (`runs.columns.exit_cod: unknown key`), so a misspelt
 * name fails here rather than as a DuckDB error halfway through a migration.
 */
export function parseLegacyLayout(value: unknown): LegacyLayout {
  const problem = firstProblem(value);
  if (problem) throw new LegacyLayoutError(`layout ${problem}`);
  const layout = value as LegacyLayout;
  for (const part of ["trials", "baselines"] as const) {
    const table = layout[part];
    if (table?.metrics !== undefined && table.columns.metrics_json !== undefined)
      throw new LegacyLayoutError(
        `layout ${part}: name either metrics (numeric columns) or columns.metrics_json (one JSON column), not both`,
      );
  }
  return layout;
}

/** The first thing wrong with `value`, as `key.path: what`; an unknown key first (a misspelling). */
function firstProblem(value: unknown): string | undefined {
  const errors = [...Value.Errors(LegacyLayoutSchema, value)];
  const unknown = errors.find((e) => e.type === ValueErrorType.ObjectAdditionalProperties);
  const error = unknown ?? errors[0];
  if (!error) return undefined;
  const key = error.path.slice(1).replaceAll("/", ".") || "(top level)";
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const parent = error.path.slice(0, error.path.lastIndexOf("/"));
      const missing = errors
        .filter((e) => e.type === ValueErrorType.ObjectRequiredProperty && e.path.startsWith(`${parent}/`))
        .map((e) => e.path.slice(parent.length + 1))
        .filter((name) => !name.includes("/"));
      return `${key}: unknown key${missing.length > 0 ? ` (did you mean ${missing.join(" or ")}?)` : ""}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return `${key}: missing`;
    case ValueErrorType.StringPattern:
      return `${key}: ${JSON.stringify(error.value)} is not a plain SQL identifier${key.endsWith("table") ? " (table or schema.table)" : ""}`;
    default:
      return `${key}: ${error.message.toLowerCase()}`;
  }
}

const IDENT_RE = new RegExp(`^${IDENT}$`);

/** A quoted identifier, after checking it is a plain name: a layout is data, never SQL. */
export function ident(name: string): string {
  if (!IDENT_RE.test(name)) throw new LegacyLayoutError(`"${name}" is not a plain SQL identifier`);
  return sqlIdent(name);
}

/** `schema.table` (or `table`), each part checked and quoted, inside the attached `legacy` db. */
export function tableRef(name: string): string {
  const parts = name.split(".");
  if (parts.length > 2) throw new LegacyLayoutError(`table "${name}" must be table or schema.table`);
  return `legacy.${parts.length === 1 ? "main." : ""}${parts.map(ident).join(".")}`;
}

/** Legacy status words, as the index spells them. */
export const STATUS_SQL = (column: string) => `CASE lower(${column})
  WHEN 'succeeded' THEN 'succeeded' WHEN 'success' THEN 'succeeded' WHEN 'completed' THEN 'succeeded'
  WHEN 'failed' THEN 'failed' WHEN 'error' THEN 'failed'
  WHEN 'cancelled' THEN 'cancelled' WHEN 'canceled' THEN 'cancelled'
  WHEN 'running' THEN 'running' ELSE 'unknown' END`;
