import type { IndexReader } from "../reader.js";
import { sqlString } from "../sql.js";
import { indexSql } from "./index-sql.js";

/**
 * A run's trials by column: one array per field, in the order the trials were recorded, `null`
 * where a trial lacks the field. A third the size of one object per trial at 50,000 trials, and
 * what a table or a plot indexes into.
 */
export interface TrialColumns {
  total: number;
  trial_id: (string | null)[];
  recorded_ms: number[];
  /** Each parameter's values as the trials gave them (any JSON value). */
  params: Record<string, unknown[]>;
  metrics: Record<string, (number | null)[]>;
}

/**
 * Column queries in flight at once: enough to keep two cores busy, few enough that a reader's
 * other queries (the same page asks for the run's summary) find a connection free.
 */
const COLUMNS_AT_ONCE = 2;

/** `work` over `items`, at most `limit` at a time; results in the items' order. */
async function inTurn<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A JSON pointer to the top-level key `name`: `/` and `~` escaped, any other text as it is. */
function pointerTo(name: string): string {
  return `/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

/**
 * The trials of `runId` as columns (empty for a run without trials or unknown to the index).
 * DuckDB builds the whole answer, so 50,000 trials never become 50,000 rows in JavaScript.
 */
export async function runTrialColumns(reader: IndexReader, runId: string): Promise<TrialColumns> {
  return JSON.parse(await runTrialColumnsJson(reader, runId)) as TrialColumns;
}

/**
 * `runTrialColumns` as JSON text, for a server that sends it on as it is. The run's param and
 * metric names first; then each column as DuckDB's JSON text from its own query, all on one
 * snapshot, two at a time: a single query building every column is one thread sorting wide rows
 * for each, about four times the work.
 */
export async function runTrialColumnsJson(reader: IndexReader, runId: string): Promise<string> {
  const trials = `(${indexSql().trialsAnyOrder})`;
  const bound = { run_id: runId };
  return reader.pinned(async ({ query }) => {
    const [names] = await query(
      `SELECT (SELECT count(*) FROM ${trials}) AS total,
              (SELECT list(DISTINCT k ORDER BY k) FROM (SELECT unnest(json_keys(params)) AS k FROM ${trials})) AS params,
              (SELECT list(DISTINCT k ORDER BY k) FROM (SELECT unnest(map_keys(metrics)) AS k FROM ${trials})) AS metrics`,
      bound,
    );
    const params = (names?.params ?? []) as string[];
    const metrics = (names?.metrics ?? []) as string[];
    const column = async (value: string) => {
      const [row] = await query(
        `SELECT to_json(coalesce(list(${value} ORDER BY recorded_ms, trial_id), []))::VARCHAR AS list FROM ${trials}`,
        bound,
      );
      return String(row?.list);
    };
    const [trialIds = "[]", recorded = "[]", ...values] = await inTurn(
      [
        "trial_id",
        "recorded_ms",
        ...params.map((p) => `params->${sqlString(pointerTo(p))}`),
        ...metrics.map((m) => `metrics[${sqlString(m)}]`),
      ],
      COLUMNS_AT_ONCE,
      column,
    );
    const object = (keys: string[], lists: string[]) =>
      `{${keys.map((k, i) => `${JSON.stringify(k)}:${lists[i]}`).join(",")}}`;
    return `{"total":${Number(names?.total ?? 0)},"trial_id":${trialIds},"recorded_ms":${recorded},"params":${object(params, values.slice(0, params.length))},"metrics":${object(metrics, values.slice(params.length))}}`;
  });
}
