/**
 * Opens a CASE for an upsert's `DO UPDATE SET`, true when the incoming row's event time in
 * `column` is earlier than the stored one. A column taken from the earliest event this way holds
 * the same value whatever order the events are indexed in, as a full rebuild gives.
 */
export function earlierThanStored(table: string, column: string): string {
  return `CASE WHEN excluded.${column} < coalesce(${table}.${column}, 9223372036854775807)`;
}
