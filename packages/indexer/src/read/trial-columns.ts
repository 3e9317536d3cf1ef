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
 * `runTrialColumns` as the JSON text DuckDB wrote, for a server that sends it on as it is: two
 * queries, the names of the run's params and metrics, then every column at once.
 */
export async function runTrialColumnsJson(reader: IndexReader, runId: string): Promise<string> {
  const trials = `(${indexSql().trials})`;
  const [names] = await reader.query(
    `SELECT (SELECT list(DISTINCT k ORDER BY k) FROM (SELECT unnest(json_keys(params)) AS k FROM ${trials})) AS params,
            (SELECT list(DISTINCT k ORDER BY k) FROM (SELECT unnest(map_keys(metrics)) AS k FROM ${trials})) AS metrics`,
    { run_id: runId },
  );
  const params = (names?.params ?? []) as string[];
  const metrics = (names?.metrics ?? []) as string[];
  // One order for every column: the trials' place in the run, numbered once.
  const column = (value: string) => `coalesce(list(${value} ORDER BY n), [])`;
  const object = (entries: string[]) =>
    entries.length > 0 ? `json_object(${entries.join(", ")})` : "'{}'::JSON";
  const [row] = await reader.query(
    `SELECT json_object(
       'total', count(*),
       'trial_id', ${column("trial_id")},
       'recorded_ms', ${column("recorded_ms")},
       'params', ${object(params.map((p) => `${sqlString(p)}, ${column(`params->${sqlString(pointerTo(p))}`)}`))},
       'metrics', ${object(metrics.map((m) => `${sqlString(m)}, ${column(`metrics[${sqlString(m)}]`)}`))}
     )::VARCHAR AS columns
     FROM (SELECT *, row_number() OVER (ORDER BY recorded_ms, trial_id) AS n FROM ${trials})`,
    { run_id: runId },
  );
  return String(row?.columns);
}
