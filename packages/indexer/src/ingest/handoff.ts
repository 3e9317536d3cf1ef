import * as fs from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { IndexCheckError } from "../errors.js";
import type { IndexDatabase } from "../projections/define.js";
import { sqlIdent, sqlString } from "../sql.js";

/** One line to read again, by its position in the log. */
export interface HandoffLine {
  offset: number;
  /** With its newline. */
  length: number;
}

/** What the other databases still need from before this round. */
export interface Handoff {
  /** The lines, by file, sorted, each once whichever databases need it. */
  lines: Map<string, HandoffLine[]>;
  /** `${database}\n${file}` for each database that needs lines of that file. */
  needed: Set<string>;
}

/**
 * Where the lines are that the other databases still need from before this round: each
 * database's events between its own checkpoint of a file and the runs database's.
 *
 * The runs database is written every round; the catalog and alerts databases only in rounds
 * with events of their types, so their generations can lag far behind. `handoff_pointers` in
 * the runs database lists every event they project, so catching one up reads only its own
 * lines, not everything it sat out.
 */
export async function handoffLines(
  connection: DuckDBConnection,
  databases: readonly IndexDatabase[],
): Promise<Handoff> {
  const handoff: Handoff = { lines: new Map(), needed: new Set() };
  if (databases.length === 0) return handoff;
  const sql = databases
    .map(
      (db) => `SELECT h.db, h.file, h.byte_offset, h.byte_length FROM runs.handoff_pointers h
               JOIN runs.ingest_checkpoints r ON r.file = h.file
               LEFT JOIN ${sqlIdent(db)}.ingest_checkpoints c ON c.file = h.file
               WHERE h.db = ${sqlString(db)} AND h.byte_offset >= coalesce(c.bytes, 0) AND h.byte_offset < r.bytes`,
    )
    .join("\nUNION ALL\n");
  const rows = (await connection.runAndReadAll(`${sql}\nORDER BY 2, 3`)).getRows();
  for (const [db, file, offset, length] of rows) {
    const name = String(file);
    handoff.needed.add(`${String(db)}\n${name}`);
    const lines = handoff.lines.get(name) ?? [];
    if (lines.length === 0) handoff.lines.set(name, lines);
    if (lines.at(-1)?.offset !== Number(offset))
      lines.push({ offset: Number(offset), length: Number(length) });
  }
  return handoff;
}

/**
 * For each database, the offset of each file below which the log holds nothing for it that
 * its generations lack: learnt from handoff queries that came back empty and from rounds that
 * read bytes with no event of its types. It is a fact about the log, so it holds for both
 * generations, and it spares a database that rarely gets events a handoff query every round.
 * Kept in memory only: a new indexer process asks once.
 */
export class QuietRanges {
  readonly #below = new Map<string, number>();

  get(database: IndexDatabase, file: string): number {
    return this.#below.get(`${database}\n${file}`) ?? 0;
  }

  set(database: IndexDatabase, file: string, bytes: number): void {
    if (bytes > this.get(database, file)) this.#below.set(`${database}\n${file}`, bytes);
  }

  /** Bytes `from`..`to` of a file were read with nothing for the database. */
  extend(database: IndexDatabase, file: string, from: number, to: number): void {
    if (this.get(database, file) >= from) this.set(database, file, to);
  }
}

/** Reads each line (without its newline) of a plain part file, in order. */
export function* readLines(path: string, lines: readonly HandoffLine[]): Generator<[string, HandoffLine]> {
  const fd = fs.openSync(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(64 * 1024);
    for (const line of lines) {
      if (buffer.length < line.length) buffer = Buffer.allocUnsafe(line.length);
      const n = fs.readSync(fd, buffer, 0, line.length, line.offset);
      // The runs database indexed this line whole; anything shorter means the file changed under us.
      if (n !== line.length || buffer[line.length - 1] !== 10) {
        throw new IndexCheckError(
          `${path}: no whole line at byte ${line.offset}, where the index points; the part changed after it was indexed, rebuild the index`,
        );
      }
      yield [buffer.toString("utf8", 0, line.length - 1), line];
    }
  } finally {
    fs.closeSync(fd);
  }
}
