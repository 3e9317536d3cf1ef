import type { DuckDBConnection } from "@duckdb/node-api";
import { LegacyLayoutError } from "./errors.js";
import type { LegacyLayout } from "./layout.js";

/** Layout keys that hold times: read with `::TIMESTAMP`, so a number there is refused at open. */
const TIME_KEYS = new Set(["created_at", "started_at", "completed_at", "recorded_at"]);

/** Every table the layout maps, with the columns it names there and which of them are times. */
export function mappedTables(
  layout: LegacyLayout,
): { role: string; table: string; columns: string[]; times: string[] }[] {
  const parts = [
    { role: "runs", part: layout.runs },
    { role: "phases", part: layout.phases },
    { role: "trials", part: layout.trials },
    { role: "baselines", part: layout.baselines },
  ];
  return parts.flatMap(({ role, part }) => {
    if (part === undefined) return [];
    const named = Object.values(part.columns as Record<string, string | undefined>).filter(
      (c): c is string => c !== undefined,
    );
    const metrics = "metrics" in part ? (part.metrics ?? []) : [];
    const times = Object.entries(part.columns as Record<string, string | undefined>)
      .filter(([k, c]) => TIME_KEYS.has(k) && c !== undefined)
      .map(([, c]) => c as string);
    return [{ role, table: part.table, columns: [...new Set([...named, ...metrics])], times }];
  });
}

const TIME_TYPES = /^(TIMESTAMP|DATE|VARCHAR)/i;

/** `schema.table` as DuckDB lists it, lower-cased: names are case-insensitive to DuckDB. */
const key = (table: string) => (table.includes(".") ? table : `main.${table}`).toLowerCase();

/**
 * Checks that every table and column the layout maps exists in the attached `legacy` database,
 * and lists everything missing in one line, so a wrong name fails before anything is read or
 * written rather than as a DuckDB binder error halfway through a backfill.
 */
export async function checkLayoutAgainstLegacy(c: DuckDBConnection, layout: LegacyLayout): Promise<void> {
  const rows = (
    await c.runAndReadAll(
      `SELECT lower(schema_name || '.' || table_name) AS t, lower(column_name) AS c, data_type AS type
       FROM duckdb_columns() WHERE database_name = 'legacy'`,
    )
  ).getRowObjectsJson() as { t: string; c: string; type: string }[];
  const columns = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const types = columns.get(row.t) ?? new Map<string, string>();
    types.set(row.c, row.type);
    columns.set(row.t, types);
  }
  const missing: string[] = [];
  const notTimes: string[] = [];
  for (const { role, table, columns: named, times } of mappedTables(layout)) {
    const present = columns.get(key(table));
    if (present === undefined) {
      missing.push(`table ${table} (${role})`);
      continue;
    }
    const absent = named.filter((n) => !present.has(n.toLowerCase()));
    if (absent.length > 0) missing.push(`${table}: ${absent.join(", ")}`);
    for (const time of times) {
      const type = present.get(time.toLowerCase());
      if (type !== undefined && !TIME_TYPES.test(type)) notTimes.push(`${table}.${time} is ${type}`);
    }
  }
  if (missing.length > 0)
    throw new LegacyLayoutError(
      `the legacy database lacks what the layout maps: ${missing.join("; ")} (fix the layout, or leave optional columns and tables out)`,
    );
  if (notTimes.length > 0)
    throw new LegacyLayoutError(
      `times must be TIMESTAMP, DATE or text DuckDB casts to a timestamp: ${notTimes.join("; ")}`,
    );
}
