import { ident, type LegacyLayout, STATUS_SQL, tableRef } from "./layout.js";

const METRICS_TYPE = "MAP(VARCHAR, DOUBLE)";

/** A mapped column cast to `type`, or a NULL of that type when the layout maps none. */
const col = (name: string | undefined, type: string) =>
  name === undefined ? `NULL::${type}` : `${ident(name)}::${type}`;
const ms = (name: string | undefined) =>
  name === undefined ? "NULL::BIGINT" : `epoch_ms(${ident(name)}::TIMESTAMP)`;

/**
 * Metrics as a map of finite numbers: from numeric columns, or from one JSON text column (whose
 * values that are not numbers are left out, as the event model's metrics are numbers), and how
 * many values were left out, so parity can say so.
 */
function metricsSql(table: { columns: { metrics_json?: string }; metrics?: string[] }) {
  const json = table.columns.metrics_json;
  const finite = "e -> e.value IS NOT NULL AND isfinite(e.value)";
  if (json !== undefined) {
    const c = ident(json);
    const isObject = `json_valid(${c}) AND json_type(${c}) = 'OBJECT'`;
    const kept = `map_from_entries(list_filter(map_entries(json_transform(${c}, '"${METRICS_TYPE}"')), ${finite}))`;
    const given = `len(list_filter(map_values(json_transform(${c}, '"MAP(VARCHAR, JSON)"')),
                     v -> v IS NOT NULL AND v::VARCHAR <> 'null'))`;
    return {
      metrics: `CASE WHEN ${isObject} THEN ${kept} ELSE MAP()::${METRICS_TYPE} END`,
      dropped: `CASE WHEN ${isObject} THEN ${given} - cardinality(${kept}) ELSE (${c} IS NOT NULL)::INTEGER END`,
    };
  }
  const names = table.metrics ?? [];
  if (names.length === 0) return { metrics: `MAP()::${METRICS_TYPE}`, dropped: "0" };
  const entries = `[${names.map((m) => `{key: '${m}', value: ${ident(m)}::DOUBLE}`).join(", ")}]`;
  return {
    metrics: `map_from_entries(list_filter(${entries}, ${finite}))::${METRICS_TYPE}`,
    dropped: `len(list_filter(${entries}, e -> e.value IS NOT NULL AND NOT isfinite(e.value)))`,
  };
}

const NO_METRICS = { metrics: `NULL::${METRICS_TYPE}`, dropped: "0" };

/** A child table the layout may leave out: its SELECT, or no rows with the same columns. */
function select(columns: string, table: string | undefined): string {
  return table === undefined ? `SELECT ${columns} WHERE false` : `SELECT ${columns} FROM ${tableRef(table)}`;
}

/**
 * The old database's rows in the index's own column names and types, by the layout: one SELECT
 * per table, read by dual mode, backfill and parity alike, so what is written and what is
 * compared are the same reading. Times are epoch ms; metrics are a map of doubles; a column or
 * table the layout leaves out reads as NULL (or as no rows).
 */
export function legacySql(layout: LegacyLayout) {
  const r = layout.runs.columns;
  const p = layout.phases;
  const t = layout.trials;
  const b = layout.baselines;
  const tm = t ? metricsSql(t) : NO_METRICS;
  const bm = b ? metricsSql(b) : NO_METRICS;
  return {
    runs: `SELECT ${col(r.run_id, "VARCHAR")} AS run_id, ${col(r.run_type, "VARCHAR")} AS run_type,
                  ${STATUS_SQL(ident(r.status))} AS status, ${ms(r.created_at)} AS created_ms,
                  ${ms(r.started_at)} AS started_ms, ${ms(r.completed_at)} AS completed_ms,
                  ${col(r.exit_code, "INTEGER")} AS exit_code, ${col(r.config, "VARCHAR")} AS config,
                  ${col(r.data_fingerprint, "VARCHAR")} AS data_fingerprint,
                  ${col(r.summary, "VARCHAR")} AS summary
           FROM ${tableRef(layout.runs.table)}`,
    phases: select(
      `${col(p?.columns.run_id, "VARCHAR")} AS run_id, ${col(p?.columns.phase, "VARCHAR")} AS phase,
       ${col(p?.columns.phase_order, "INTEGER")} AS phase_order, ${ms(p?.columns.started_at)} AS started_ms,
       ${ms(p?.columns.completed_at)} AS completed_ms, ${col(p?.columns.duration_ms, "DOUBLE")} AS duration_ms`,
      p?.table,
    ),
    trials: select(
      `${col(t?.columns.run_id, "VARCHAR")} AS run_id, ${col(t?.columns.trial_id, "VARCHAR")} AS trial_id,
       ${col(t?.columns.params, "VARCHAR")} AS params, ${ms(t?.columns.recorded_at)} AS recorded_ms,
       ${tm.metrics} AS metrics, ${tm.dropped} AS metrics_dropped`,
      t?.table,
    ),
    baselines: select(
      `${col(b?.columns.run_id, "VARCHAR")} AS run_id, ${col(b?.columns.baseline_id, "VARCHAR")} AS baseline_id,
       ${ms(b?.columns.completed_at)} AS completed_ms, ${bm.metrics} AS metrics, ${bm.dropped} AS metrics_dropped`,
      b?.table,
    ),
  };
}
