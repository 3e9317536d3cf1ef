import * as fs from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { IndexCheckError } from "../errors.js";
import { databaseOf, type IndexDatabase, type Projection } from "../projections/define.js";
import { sqlIdent, sqlString } from "../sql.js";

/** Each other database with the event types it projects: what `handoff_pointers` keeps. */
export function handoffPairs(projections: readonly Projection[]): [IndexDatabase, string][] {
  const pairs = new Set<string>();
  for (const p of projections) {
    const db = databaseOf(p);
    if (db !== "runs") for (const type of p.eventTypes) pairs.add(`${db}\n${type}`);
  }
  return [...pairs].sort().map((pair) => pair.split("\n") as [IndexDatabase, string]);
}

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
 * Stretches of each file known to hold no event a database projects: learnt from handoff
 * queries that came back empty and from rounds that read bytes with none of its events. They
 * are facts about the log, so they hold for either generation, and they spare a database that
 * rarely gets events a handoff query every round. One stretch per database and file, kept in
 * memory only: a new indexer process asks once.
 */
export class QuietRanges {
  readonly #ranges = new Map<string, [number, number]>();

  /** Whether bytes `from`..`to` of the file are known to hold nothing for the database. */
  covers(database: IndexDatabase, file: string, from: number, to: number): boolean {
    const range = this.#ranges.get(`${database}\n${file}`);
    return from >= to || (range !== undefined && range[0] <= from && to <= range[1]);
  }

  /** Bytes `from`..`to` of the file hold nothing for the database. */
  add(database: IndexDatabase, file: string, from: number, to: number): void {
    if (from >= to) return;
    const key = `${database}\n${file}`;
    const range = this.#ranges.get(key);
    if (range && from <= range[1] && to >= range[0]) {
      this.#ranges.set(key, [Math.min(from, range[0]), Math.max(to, range[1])]);
    } else if (!range || from > range[1]) {
      this.#ranges.set(key, [from, to]); // the later stretch is the one rounds go on extending
    }
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
