import { ident, type LegacyLayout, STATUS_SQL, tableRef } from "./layout.js";

/**
 * The old database's rows in the index's own column names and types, by the layout: one SELECT
 * per table, read by dual mode and backfill alike. Times are epoch ms; metrics are DOUBLE
 * columns named as in the layout.
 */
export function legacySql(layout: LegacyLayout) {
  const ms = (col: string) => `epoch_ms(${ident(col)}::TIMESTAMP)`;
  const r = layout.runs.columns;
  const p = layout.phases.columns;
  const t = layout.trials;
  const b = layout.baselines;
  const metrics = (names: string[]) => names.map((m) => `, ${ident(m)}::DOUBLE AS ${ident(m)}`).join("");
  return {
    runs: `SELECT ${ident(r.run_id)}::VARCHAR AS run_id, ${ident(r.run_type)}::VARCHAR AS run_type,
                  ${STATUS_SQL(ident(r.status))} AS status, ${ms(r.created_at)} AS created_ms,
                  ${ms(r.started_at)} AS started_ms, ${ms(r.completed_at)} AS completed_ms,
                  ${ident(r.exit_code)}::INTEGER AS exit_code, ${ident(r.config)}::VARCHAR AS config,
                  ${ident(r.data_fingerprint)}::VARCHAR AS data_fingerprint
           FROM ${tableRef(layout.runs.table)}`,
    phases: `SELECT ${ident(p.run_id)}::VARCHAR AS run_id, ${ident(p.phase)}::VARCHAR AS phase,
                    ${ident(p.phase_order)}::INTEGER AS phase_order, ${ms(p.started_at)} AS started_ms,
                    ${ms(p.completed_at)} AS completed_ms, ${ident(p.duration_ms)}::DOUBLE AS duration_ms
             FROM ${tableRef(layout.phases.table)}`,
    trials: `SELECT ${ident(t.columns.run_id)}::VARCHAR AS run_id, ${ident(t.columns.trial_id)}::VARCHAR AS trial_id,
                    ${ident(t.columns.params)}::VARCHAR AS params, ${ms(t.columns.recorded_at)} AS recorded_ms
                    ${metrics(t.metrics)}
             FROM ${tableRef(t.table)}`,
    baselines: `SELECT ${ident(b.columns.run_id)}::VARCHAR AS run_id, ${ident(b.columns.baseline_id)}::VARCHAR AS baseline_id,
                       ${ms(b.columns.completed_at)} AS completed_ms ${metrics(b.metrics)}
                FROM ${tableRef(b.table)}`,
    /** A trial's metric columns as one JSON object of numbers, over a row of `trials`. */
    trialMetricsJson: `to_json(map_from_entries(list_filter([${t.metrics
      .map((m) => `{k: '${m}', v: ${ident(m)}}`)
      .join(", ")}], x -> x.v IS NOT NULL)))`,
  };
}
