import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { INDEX_DATABASES, type IndexReader, indexHealth } from "@ledger/indexer";
import { ledgerPaths } from "@ledger/schema";
import { FileLock, type LogFile, listLogFiles } from "@ledger/writer";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  items?: unknown[];
}

/** Part files ending in an unfinished line that no live writer is finishing. */
export function tornTails(files: LogFile[]): Check {
  const torn: { file: string; bytes: number }[] = [];
  for (const file of files) {
    if (file.compressed) continue;
    const fd = openSync(file.path, "r");
    try {
      const size = fstatSync(fd).size;
      if (size === 0) continue;
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] === 10) continue;
      if (FileLock.isHeld(file.path)) continue; // a live writer is mid-append
      torn.push({ file: file.rel, bytes: size });
    } finally {
      closeSync(fd);
    }
  }
  return {
    name: "torn tails",
    ok: torn.length === 0,
    detail:
      torn.length === 0
        ? "every part file ends in a complete line"
        : `${torn.length} part files end mid-line (the next writer to open them will quarantine the tail)`,
    items: torn,
  };
}

/** Log files and folders readable by anyone but their owner. */
export function permissions(root: string, files: LogFile[]): Check {
  const events = ledgerPaths(root).events;
  const paths = [
    events,
    ...new Set(files.map((f) => join(events, f.rel.split("/")[0] ?? ""))),
    ...files.map((f) => f.path),
  ];
  const open = paths
    .filter((p) => existsSync(p) && (statSync(p).mode & 0o077) !== 0)
    .map((p) => ({ path: p, mode: (statSync(p).mode & 0o777).toString(8) }));
  return {
    name: "permissions",
    ok: open.length === 0,
    detail:
      open.length === 0 ? "log files 0600, folders 0700" : `${open.length} log paths are open to other users`,
    items: open,
  };
}

/**
 * A DuckDB WAL beside a published database: a process opened it read-write (a `duckdb` shell
 * without -readonly). While one is there, its writes are replayed over the index by every reader,
 * and one that does not match the published file fails them all.
 */
export function indexWal(root: string): Check {
  const index = ledgerPaths(root).index;
  const wals = INDEX_DATABASES.map((db) => join(index, `${db}.duckdb.wal`))
    .filter((p) => existsSync(p))
    .map((p) => ({ path: p, bytes: statSync(p).size }));
  return {
    name: "index WAL",
    ok: wals.length === 0,
    detail:
      wals.length === 0
        ? "no WAL beside the published databases"
        : `${wals.map((w) => w.path).join(", ")}: a DuckDB process opened the index read-write (open it with -readonly); the next publication removes it`,
    items: wals,
  };
}

/** Index state: quarantine, duplicates, lag, and whether the indexed lines all add up. */
export async function indexChecks(reader: IndexReader, files: LogFile[]): Promise<Check[]> {
  if (!reader.exists()) {
    return [{ name: "index", ok: false, detail: "no index published yet: run `ledger rebuild-index`" }];
  }
  const health = await indexHealth(reader, files);
  const { quarantined, duplicates, lag, parity } = health;
  return [
    {
      name: "quarantine",
      ok: quarantined === 0,
      detail:
        quarantined === 0
          ? "no line failed to parse or validate"
          : `${quarantined} lines quarantined (see the quarantine table)`,
      items: health.quarantineSample,
    },
    {
      name: "duplicate event ids",
      ok: duplicates === 0,
      detail:
        duplicates === 0
          ? "every event id is unique"
          : `${duplicates} lines repeat an event id already indexed`,
      items: health.duplicateSample,
    },
    {
      name: "index lag",
      ok: lag.bytes === 0,
      detail:
        lag.bytes === 0
          ? "the index holds the whole log"
          : `${lag.events} events (${lag.bytes} bytes) not yet indexed`,
    },
    {
      name: "parity",
      ok: parity.lines === parity.accounted,
      detail: `${parity.lines} lines in the indexed part of the log; the index accounts for ${parity.accounted} (events, quarantined and duplicate lines)`,
    },
  ];
}

export function logFiles(root: string): LogFile[] {
  return listLogFiles(ledgerPaths(root).events);
}
