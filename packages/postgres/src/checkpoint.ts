import type { IndexOffsets } from "@ledger/indexer";
import type pg from "pg";

type Source = keyof IndexOffsets;
const SOURCES: readonly Source[] = ["runs", "catalog"];

/** The index offsets the mirrored rows were read at; empty maps for a new mirror. */
export async function readCheckpoint(client: pg.ClientBase): Promise<IndexOffsets> {
  const offsets = { runs: new Map<string, number>(), catalog: new Map<string, number>() };
  const { rows } = await client.query<{ source: string; file: string; bytes: string }>(
    "SELECT source, file, bytes FROM ledger_sync_checkpoints",
  );
  for (const row of rows) {
    if (row.source === "runs" || row.source === "catalog")
      offsets[row.source].set(row.file, Number(row.bytes));
  }
  return offsets;
}

/** Whether two sets of offsets are the same, file by file. */
export function sameOffsets(a: IndexOffsets, b: IndexOffsets): boolean {
  return SOURCES.every(
    (s) => a[s].size === b[s].size && [...a[s]].every(([file, bytes]) => b[s].get(file) === bytes),
  );
}

/**
 * Moves the checkpoint from `stored` to `current` inside the caller's transaction: only the
 * files whose offset changed are written, and files the index no longer lists are dropped.
 */
export async function writeCheckpoint(
  client: pg.ClientBase,
  stored: IndexOffsets,
  current: IndexOffsets,
): Promise<void> {
  const changed: { source: Source; file: string; bytes: number }[] = [];
  const gone: { source: Source; file: string }[] = [];
  for (const source of SOURCES) {
    for (const [file, bytes] of current[source]) {
      if (stored[source].get(file) !== bytes) changed.push({ source, file, bytes });
    }
    for (const file of stored[source].keys()) if (!current[source].has(file)) gone.push({ source, file });
  }
  if (gone.length > 0) {
    await client.query(
      `DELETE FROM ledger_sync_checkpoints c USING json_to_recordset($1::json) AS g(source text, file text)
       WHERE c.source = g.source AND c.file = g.file`,
      [JSON.stringify(gone)],
    );
  }
  if (changed.length > 0) {
    await client.query(
      `INSERT INTO ledger_sync_checkpoints (source, file, bytes)
       SELECT source, file, bytes FROM json_to_recordset($1::json) AS c(source text, file text, bytes bigint)
       ON CONFLICT (source, file) DO UPDATE SET bytes = excluded.bytes`,
      [JSON.stringify(changed)],
    );
  }
}
