/**
 * How a column must be retyped after `IndexReader.query`, which returns DuckDB's JSON form:
 * BIGINTs as strings (they may exceed 2^53), JSON columns as their text and timestamps as
 * `2026-01-02 03:04:05.678` without a zone.
 */
export type ColumnKind = "number" | "json" | "time";

/**
 * `row` with each column named in `kinds` retyped: numbers as numbers, JSON as objects, times as
 * ISO 8601 in UTC. Every column of `kinds` is kept, in its order, and no other: the shape printed
 * is the one declared, whatever the view behind the query grows.
 */
export function typedRow<T>(row: Record<string, unknown>, kinds: Record<keyof T, ColumnKind | "as-is">): T {
  const out: Record<string, unknown> = {};
  for (const [column, kind] of Object.entries(kinds) as [string, ColumnKind | "as-is"][]) {
    out[column] = retype(row[column], kind);
  }
  return out as T;
}

function retype(value: unknown, kind: ColumnKind | "as-is"): unknown {
  if (value === null || value === undefined) return null;
  if (kind === "number") return Number(value);
  if (kind === "json") return typeof value === "string" ? JSON.parse(value) : value;
  if (kind === "time") return new Date(`${String(value).replace(" ", "T")}Z`).toISOString();
  return value;
}
