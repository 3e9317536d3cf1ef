import { indexSql } from "@ledger/indexer";
import type { Query } from "./dual-mode.js";
import type { LegacyLayout } from "./layout.js";
import { legacySql } from "./legacy-sql.js";
import { type Difference, MISSING_FROM_INDEX, type Parity, type Unchecked } from "./parity.js";

type Row = Record<string, unknown>;

/** Each compared field, and the layout key without which the legacy side has nothing to offer. */
function uncheckedFields(layout: LegacyLayout): Unchecked[] {
  const r = layout.runs.columns;
  const unmapped = (field: string, column: string) => ({
    field,
    reason: `the layout maps no runs.columns.${column} column`,
  });
  const out: Unchecked[] = [];
  if (r.run_type === undefined) out.push(unmapped("run_type", "run_type"));
  if (r.started_at === undefined) out.push(unmapped("started_ms", "started_at"));
  if (r.completed_at === undefined) out.push(unmapped("completed_ms", "completed_at"));
  if (r.exit_code === undefined) out.push(unmapped("exit_code", "exit_code"));
  if (r.data_fingerprint === undefined) out.push(unmapped("data_fingerprint", "data_fingerprint"));
  if (r.config === undefined) out.push(unmapped("config", "config"));
  if (r.summary === undefined) out.push(unmapped("summary", "summary"));
  if (layout.phases === undefined) out.push({ field: "phases", reason: "the layout maps no phases table" });
  for (const [part, noun] of [
    ["trials", "trial"],
    ["baselines", "baseline"],
  ] as const) {
    const table = layout[part];
    if (table === undefined) {
      out.push({ field: part, reason: `the layout maps no ${part} table` });
      out.push({ field: `${noun}_metrics`, reason: `the layout maps no ${part} table` });
    } else if ((table.metrics ?? []).length === 0 && table.columns.metrics_json === undefined) {
      out.push({
        field: `${noun}_metrics`,
        reason: `the layout names neither ${part}.metrics nor ${part}.columns.metrics_json`,
      });
    }
  }
  return out;
}

/**
 * One row per trial or baseline as text in a fixed order, so both sides hash alike. -0 and 0 are
 * one number, and JSON (which the log is) writes both as 0.
 */
const canonical = (id: string) =>
  `coalesce(${id}, '') || '{' || array_to_string(list_sort(list_transform(map_entries(metrics),
     e -> e.key || '=' || (CASE WHEN e.value = 0 THEN 0.0 ELSE e.value END)::VARCHAR)), ',') || '}'`;
const perRun = (select: string, id: string, dropped = "0") =>
  `SELECT run_id, count(*) AS n, left(md5(string_agg(${canonical(id)}, ';' ORDER BY ${canonical(id)})), 12) AS h,
          sum(${dropped}) AS dropped
   FROM (${select}) GROUP BY run_id`;

const FIELDS = [
  ["status", "l.status", "i.status"],
  ["run_type", "l.run_type", "i.run_type"],
  ["created_ms", "l.created_ms::VARCHAR", "i.created_ms::VARCHAR"],
  ["started_ms", "l.started_ms::VARCHAR", "i.started_ms::VARCHAR"],
  ["completed_ms", "l.completed_ms::VARCHAR", "i.completed_ms::VARCHAR"],
  ["exit_code", "l.exit_code::VARCHAR", "i.exit_code::VARCHAR"],
  ["data_fingerprint", "l.data_fingerprint", "i.data_fingerprint"],
  // run.created and run.completed need an object: a NULL is written as {}, and read back equal.
  ["config", "coalesce(l.config, '{}')", "i.config::VARCHAR"],
  ["summary", "coalesce(l.summary, '{}')", "coalesce(i.summary::VARCHAR, '{}')"],
  ["phases", "l.phases::VARCHAR", "i.phases::VARCHAR"],
  ["trials", "l.trials::VARCHAR", "i.trials::VARCHAR"],
  ["trial_metrics", "l.trial_metrics", "i.trial_metrics"],
  ["baselines", "l.baselines::VARCHAR", "i.baselines::VARCHAR"],
  ["baseline_metrics", "l.baseline_metrics", "i.baseline_metrics"],
] as const;

/**
 * Field-by-field differences for every run the legacy side answers for (see `DualMode.compare`).
 * SQL finds the candidates; JSON fields are then compared as values, so `{"a": 1.50}` and
 * `{"a":1.5}` agree. The index's run, phase, trial and baseline tables are read as the indexer
 * names them (`idx.`).
 */
export async function compareSides(query: Query, layout: LegacyLayout): Promise<Parity> {
  const unchecked = uncheckedFields(layout);
  const skip = new Set(unchecked.map((u) => u.field));
  const legacy = legacySql(layout);
  const fields = FIELDS.filter(([field]) => !skip.has(field));
  const rows = await query(
    `WITH lr AS (SELECT * FROM (${legacy.runs}) WHERE created_ms < $cutover),
     lp AS (SELECT run_id, count(*) AS n FROM (${legacy.phases}) GROUP BY run_id),
     lt AS (${perRun(legacy.trials, "trial_id", "metrics_dropped")}),
     lb AS (${perRun(legacy.baselines, "baseline_id", "metrics_dropped")}),
     ip AS (SELECT run_id, count(*) AS n FROM idx.phase_timings GROUP BY run_id),
     it AS (${perRun("SELECT run_id, trial_id, metrics FROM idx.trial_results", "trial_id")}),
     ib AS (${perRun("SELECT run_id, baseline_id, metrics FROM idx.baseline_results", "baseline_id")}),
     legacy_side AS (
       SELECT lr.*, coalesce(lp.n, 0) AS phases, coalesce(lt.n, 0) AS trials, lt.h AS trial_metrics,
              coalesce(lb.n, 0) AS baselines, lb.h AS baseline_metrics,
              coalesce(lt.dropped, 0) AS trial_dropped, coalesce(lb.dropped, 0) AS baseline_dropped
       FROM lr LEFT JOIN lp USING (run_id) LEFT JOIN lt USING (run_id) LEFT JOIN lb USING (run_id)),
     index_side AS (
       SELECT ir.*, coalesce(ip.n, 0) AS phases, coalesce(it.n, 0) AS trials, it.h AS trial_metrics,
              coalesce(ib.n, 0) AS baselines, ib.h AS baseline_metrics
       FROM (${indexSql("idx.").runs}) ir LEFT JOIN ip USING (run_id) LEFT JOIN it USING (run_id)
            LEFT JOIN ib USING (run_id)
       WHERE ir.run_id IN (SELECT run_id FROM lr)),
     fields AS (
       SELECT l.run_id, l.status AS l_status, l.started_ms AS l_started, l.completed_ms AS l_completed,
              f.field, f.legacy_value, f.index_value
       FROM legacy_side l JOIN index_side i USING (run_id),
       LATERAL (VALUES ${fields.map(([f, l, i]) => `('${f}', ${l}, ${i})`).join(", ")})
         f(field, legacy_value, index_value))
     SELECT run_id, field, legacy_value, index_value, l_status, l_started, l_completed, false AS dropped
     FROM fields WHERE legacy_value IS DISTINCT FROM index_value
     UNION ALL
     SELECT run_id, 'run', 'present', $missing, NULL, NULL, NULL, false
     FROM legacy_side WHERE run_id NOT IN (SELECT run_id FROM index_side)
     UNION ALL
     SELECT run_id, d.field, d.n || CASE WHEN d.n = 1 THEN ' value that is not a number' ELSE ' values that are not numbers' END,
            'left out', NULL, NULL, NULL, true
     FROM legacy_side, LATERAL (VALUES ('trial_metrics', trial_dropped), ('baseline_metrics', baseline_dropped)) d(field, n)
     WHERE d.n > 0 AND run_id IN (SELECT run_id FROM index_side)
     ORDER BY run_id, field`,
    { missing: MISSING_FROM_INDEX },
  );
  const differences: Difference[] = [];
  for (const r of rows) {
    const legacyValue = r.legacy_value === null ? null : String(r.legacy_value);
    const indexValue = r.index_value === null ? null : String(r.index_value);
    const field = String(r.field);
    if ((field === "config" || field === "summary") && sameJson(legacyValue, indexValue)) continue;
    const difference: Difference = {
      run_id: String(r.run_id),
      field,
      legacy: legacyValue,
      index: indexValue,
    };
    const reason = inexpressible(field, r);
    differences.push(reason === undefined ? difference : { ...difference, reason });
  }
  return { differences, unchecked };
}

function sameJson(a: string | null, b: string | null): boolean {
  try {
    return a !== null && b !== null && stable(JSON.parse(a)) === stable(JSON.parse(b));
  } catch {
    return false;
  }
}

/** JSON text with keys sorted, so key order does not count as a difference. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (typeof value === "object" && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Row)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Why the index cannot hold the legacy value, when that is so: the event model's rules, checked
 * against the legacy row. Undefined means the difference is a real one.
 */
function inexpressible(field: string, r: Row): string | undefined {
  const status = String(r.l_status);
  const noRunCompleted = !FINISHED.has(status) || r.l_completed === null;
  const why =
    status === "unknown"
      ? "the legacy status word is not one ledger knows"
      : FINISHED.has(status)
        ? "the legacy row has no completion time, and run.completed needs one"
        : `a ${status} run has no run.completed`;
  switch (field) {
    case "status":
      if (status === "running" && r.l_started === null)
        return "the legacy row says running but has no start time, so no run.started was written";
      return noRunCompleted ? why : undefined;
    case "completed_ms":
    case "exit_code":
    case "summary":
      if (noRunCompleted) return `${field} travels on run.completed, which this run has none of: ${why}`;
      return field === "summary" ? objectReason(r.legacy_value, field) : undefined;
    case "trial_metrics":
    case "baseline_metrics":
      return r.dropped === true
        ? "metrics are numbers in the event model: a value that is not one (or not finite) is left out"
        : undefined;
    case "run_type":
    case "data_fingerprint":
      return r.legacy_value === null
        ? `run.created needs a ${field}; the legacy row has none, so a placeholder was written`
        : undefined;
    case "config":
      return objectReason(r.legacy_value, field);
    default:
      return undefined;
  }
}

function objectReason(text: unknown, field: string): string | undefined {
  try {
    const value = JSON.parse(String(text)) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return undefined;
    return `${field} must be a JSON object in the event model; the legacy value was written under "value"`;
  } catch {
    return `${field} must be a JSON object in the event model; the legacy text was written under "legacy_text"`;
  }
}
