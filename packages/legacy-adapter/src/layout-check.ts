import type { DuckDBConnection } from "@duckdb/node-api";
import { LegacyLayoutError } from "./errors.js";
import type { LegacyLayout } from "./layout.js";

/** Every table the layout maps, with the columns it names there. */
export function mappedTables(layout: LegacyLayout): { role: string; table: string; columns: string[] }[] {
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
    return [{ role, table: part.table, columns: [...new Set([...named, ...metrics])] }];
  });
}

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
      `SELECT lower(schema_name || '.' || table_name) AS t, lower(column_name) AS c
       FROM duckdb_columns() WHERE database_name = 'legacy'`,
    )
  ).getRowObjectsJson() as { t: string; c: string }[];
  const columns = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = columns.get(row.t) ?? new Set<string>();
    set.add(row.c);
    columns.set(row.t, set);
  }
  const missing: string[] = [];
  for (const { role, table, columns: named } of mappedTables(layout)) {
    const present = columns.get(key(table));
    if (present === undefined) {
      missing.push(`table ${table} (${role})`);
      continue;
    }
    const absent = named.filter((n) => !present.has(n.toLowerCase()));
    if (absent.length > 0) missing.push(`${table}: ${absent.join(", ")}`);
  }
  if (missing.length > 0)
    throw new LegacyLayoutError(
      `the legacy database lacks what the layout maps: ${missing.join("; ")} (fix the layout, or leave optional columns and tables out)`,
    );
}
