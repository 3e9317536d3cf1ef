import { type DuckDBResultReader, type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";

/**
 * A row as readers use it: numbers as numbers, JSON columns as their value, `MAP`s of metrics as
 * objects, times as ISO 8601 strings in UTC. A 64-bit integer beyond 2^53 stays a string, since
 * a number would silently change it.
 */
export type Row = Record<string, unknown>;

const WIDE_INTEGERS = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);
const TIMESTAMPS = new Set([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

/** The result's rows, each column retyped by its DuckDB type (see `Row`). */
export function typedRows(result: DuckDBResultReader): Row[] {
  const names = result.columnNames();
  const convert = result.columnTypes().map(converterOf);
  return result.getRowObjectsJson().map((json) => {
    const row: Row = {};
    names.forEach((name, i) => {
      const value = json[name];
      row[name] = value === null || value === undefined ? null : convert[i]!(value);
    });
    return row;
  });
}

type Converter = (value: unknown) => unknown;

function converterOf(type: DuckDBType): Converter {
  if (type.alias === "JSON") return (v) => (typeof v === "string" ? JSON.parse(v) : v);
  if (WIDE_INTEGERS.has(type.typeId)) return toNumber;
  if (TIMESTAMPS.has(type.typeId)) return (v) => toIso(String(v));
  if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ) return (v) => new Date(String(v)).toISOString();
  if (type.typeId === DuckDBTypeId.MAP) return toObject;
  return (v) => v;
}

function toNumber(value: unknown): unknown {
  const n = Number(value);
  return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : value;
}

/** `2026-01-02 03:04:05.678` (DuckDB's text of a TIMESTAMP, which is UTC here) to ISO 8601. */
function toIso(text: string): string {
  const date = new Date(`${text.replace(" ", "T")}Z`);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** DuckDB gives a MAP as `[{key, value}]`; readers want `{key: value}`. */
function toObject(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const entry of value as { key: unknown; value: unknown }[]) out[String(entry.key)] = entry.value;
  return out;
}
