import type { TrialRow } from "@ledger/indexer";

/**
 * A run's trials by column: one array per field, `null` where a trial lacks it. A third the size
 * of one object per trial at 50,000 trials, and what the page's table and plots index into.
 */
export interface TrialColumns {
  total: number;
  trial_id: (string | null)[];
  recorded_ms: number[];
  params: Record<string, unknown[]>;
  metrics: Record<string, (number | null)[]>;
}

/** `GET /runs/{id}/trials`: every trial of the run, in the order recorded, as columns. */
export function trialColumns(rows: readonly TrialRow[]): TrialColumns {
  const total = rows.length;
  const params: Record<string, unknown[]> = {};
  const metrics: Record<string, (number | null)[]> = {};
  const column = <T>(into: Record<string, T[]>, name: string): T[] => {
    let values = into[name];
    if (!values) {
      values = new Array<T>(total).fill(null as T);
      into[name] = values;
    }
    return values;
  };
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row.params ?? {})) column(params, name)[i] = value;
    for (const [name, value] of Object.entries(row.metrics ?? {}))
      column(metrics, name)[i] = typeof value === "number" ? value : null;
  });
  return {
    total,
    trial_id: rows.map((r) => r.trial_id),
    recorded_ms: rows.map((r) => r.recorded_ms),
    params,
    metrics,
  };
}
