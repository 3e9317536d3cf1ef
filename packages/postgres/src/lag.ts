import * as fs from "node:fs";
import { type IndexOffsets, measureLag } from "@ledger/indexer";
import { ledgerPaths } from "@ledger/schema";
import { listLogFiles } from "@ledger/writer";
import { readCheckpoint } from "./checkpoint.js";
import { connectClient } from "./connect.js";

/** How far PostgreSQL is behind the log. */
export interface PgSyncLag {
  /** Complete lines of the log past what PostgreSQL holds (estimated past 64 MiB). */
  events: number;
  bytes: number;
  /**
   * Age, by its `timestamp_ms`, of the oldest event PostgreSQL does not hold yet; 0 when it holds
   * the whole log. A backfilled event counts as old as it says it is.
   */
  seconds: number;
  /** When the last sync that moved the checkpoint committed, ISO 8601; null before the first. */
  syncedAt: string | null;
}

/** The mirror's lag behind the log under `root`, measured now: PostgreSQL and the log, not the index. */
export async function pgSyncLag(options: { url: string; root: string }): Promise<PgSyncLag> {
  const client = await connectClient(options.url, "ledger doctor");
  try {
    const checkpoint = await readCheckpoint(client).catch(() => undefined);
    const { rows } = await client
      .query<{ synced_at: Date }>("SELECT synced_at FROM ledger_sync_state")
      .catch(() => ({ rows: [] as { synced_at: Date }[] }));
    return lagBehindLog(options.root, checkpoint, rows[0]?.synced_at.toISOString() ?? null);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The lag of a mirror whose checkpoint is `checkpoint` (undefined: it holds nothing) behind the
 * log under `root`, measured now from the log's files alone.
 */
export function lagBehindLog(
  root: string,
  checkpoint: IndexOffsets | undefined,
  syncedAt: string | null,
): PgSyncLag {
  const files = listLogFiles(ledgerPaths(root).events);
  const done = (file: string) => checkpoint?.runs.get(file);
  const lag = measureLag(files, done);
  let oldest = Number.POSITIVE_INFINITY;
  if (lag.bytes > 0) {
    for (const file of files) {
      if (file.compressed) continue;
      const ms = timestampAt(file.path, done(file.rel) ?? 0);
      if (ms !== undefined) oldest = Math.min(oldest, ms);
    }
  }
  return {
    events: lag.events,
    bytes: lag.bytes,
    seconds: Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0,
    syncedAt,
  };
}

/**
 * `timestamp_ms` of the line starting at `offset`, read from its first 64 KiB (the envelope's
 * fields come first); undefined for an unfinished last line or one without it.
 */
function timestampAt(path: string, offset: number): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, offset);
    const end = buf.subarray(0, n).indexOf(10);
    if (end < 0 && n < buf.length) return undefined;
    const head = buf.subarray(0, end < 0 ? n : end).toString("utf8");
    const ms = /"timestamp_ms"\s*:\s*(\d+)/.exec(head)?.[1];
    return ms === undefined ? undefined : Number(ms);
  } finally {
    fs.closeSync(fd);
  }
}
