import { sqlIdent } from "@ledger/schema";
import { LegacyLayoutError } from "./errors.js";

/**
 * Where the old system kept each thing, and under which column names. The default is the old
 * system's layout as ledger's original design notes describe it; real databases differ in names, so every table and column can be remapped
 * without code changes (`{ ...defaultLegacyLayout, runs: { ...defaultLegacyLayout.runs, columns: {...} } }`).
 */
export interface LegacyLayout {
  runs: {
    table: string;
    columns: {
      run_id: string;
      run_type: string;
      /** Values `succeeded`/`success`/`completed`, `failed`/`error`, `cancelled`/`canceled`, `running`. */
      status: string;
      created_at: string;
      started_at: string;
      completed_at: string;
      /** JSON text, or NULL. */
      config: string;
      data_fingerprint: string;
      exit_code: string;
    };
  };
  phases: {
    table: string;
    columns: {
      run_id: string;
      phase: string;
      phase_order: string;
      started_at: string;
      completed_at: string;
      duration_ms: string;
    };
  };
  trials: {
    table: string;
    columns: { run_id: string; trial_id: string; params: string; recorded_at: string };
    /** Numeric columns that become the trial's `metrics`. */
    metrics: string[];
  };
  baselines: {
    table: string;
    columns: { run_id: string; baseline_id: string; completed_at: string };
    metrics: string[];
  };
}

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

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A quoted identifier, after checking it is a plain name: a layout is data, never SQL. */
export function ident(name: string): string {
  if (!IDENT.test(name)) throw new LegacyLayoutError(`"${name}" is not a plain SQL identifier`);
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
