import { dayDirName, parsePartPath, partFileName } from "@ledger/schema";
import { InvalidCursorError } from "./errors.js";

/**
 * Where a reader of one run stands in the log: for each part file that has held the run's events,
 * the byte offset just past the last one taken (its logical name, without `.gz`). Part files are
 * append-only, so this names exactly the events already taken, whatever order many writers
 * appended them in; anything at or past an offset, or in a part the cursor does not name, is new.
 */
export type LogCursor = ReadonlyMap<string, number>;

const ENTRY = /^(\d{4})(\d{2})(\d{2})-(\d{1,12})-([0-9a-z]{1,12})$/;
const MAX_ENTRIES = 10_000;

/**
 * The cursor as a short ASCII token, safe in an SSE `id:` line, a header or a query string:
 * `YYYYMMDD-part-offset` per part (offset in base 36), joined by `.`, e.g. `20261130-3-2s9`.
 */
export function encodeCursor(cursor: LogCursor): string {
  const entries: string[] = [];
  for (const [logical, offset] of cursor) {
    const ref = parsePartPath(logical);
    if (!ref) continue;
    entries.push(`${ref.day.replaceAll("-", "")}-${ref.part}-${offset.toString(36)}`);
  }
  return entries.sort().join(".");
}

/** Reads a token made by `encodeCursor`; throws `InvalidCursorError` on anything else. */
export function parseCursor(token: string): LogCursor {
  const cursor = new Map<string, number>();
  if (token === "") return cursor;
  const entries = token.split(".");
  if (entries.length > MAX_ENTRIES)
    throw new InvalidCursorError(`cursor names over ${MAX_ENTRIES} part files`);
  for (const entry of entries) {
    const m = ENTRY.exec(entry);
    if (!m) throw new InvalidCursorError(`malformed cursor entry "${entry.slice(0, 40)}"`);
    const day = `${m[1]}-${m[2]}-${m[3]}`;
    cursor.set(`${dayDirName(day)}/${partFileName(Number(m[4]))}`, Number.parseInt(m[5] ?? "", 36));
  }
  return cursor;
}

/** The logical name of a part (its name before retention gzips it), as cursors key it. */
export function logicalPart(rel: string): string {
  return rel.endsWith(".gz") ? rel.slice(0, -3) : rel;
}
