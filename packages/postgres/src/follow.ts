import * as fs from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ledgerPaths } from "@ledger/schema";
import { isTransient } from "./connect.js";
import { PostgresOptionError } from "./errors.js";
import { openPgSync, type PgSync, type PgSyncOptions, type SyncReport } from "./sync.js";

/** The longest delay `setTimeout` keeps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface RetryOptions {
  /** First wait after a failed attempt; it doubles with each failure in a row. @default 100 */
  backoffMs?: number;
  /** The longest wait between attempts. @default 5000 */
  maxBackoffMs?: number;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
}

export interface FollowOptions extends PgSyncOptions, RetryOptions {
  /** Seconds between syncs when no publication of the index wakes it sooner. @default 30 */
  intervalSeconds?: number;
  /**
   * How often the published index's inode and mtime are looked at, besides waking on the index
   * directory's changes where the file system reports them. @default 200
   */
  pollMs?: number;
  /** Called after each sync that wrote something, and with each failure (which is retried). */
  onSync?: (report: SyncReport | undefined, error?: unknown) => void;
  /** Given the sync once it is open, to read its `lag()` while following. */
  onOpen?: (sync: PgSync) => void;
  /**
   * Given, at the start, a function that starts the next sync at once: for the process that
   * publishes the index (`ledger daemon --pg`), which knows when it has, so the index directory
   * is neither watched nor polled. A call during a sync starts another right after it.
   */
  wakeWith?: (wake: () => void) => void;
}

export interface FollowReport {
  syncs: number;
  /** Runs inserted or changed over all syncs. */
  runs: number;
  failures: number;
}

/**
 * Keeps PostgreSQL up to the published index until `signal` aborts: a sync now, then one each time
 * the indexer publishes. A failed sync (PostgreSQL stopped or restarting, the index not yet
 * published) is reported and retried with backoff; it never ends the loop, and the checkpoint
 * makes the retry resume exactly where the last committed sync stopped. Only opening (a bad URL,
 * a server that cannot be reached at the start) fails.
 */
export async function followPgSync(options: FollowOptions): Promise<FollowReport> {
  checkWaits(options);
  const sync = await openPgSync(options);
  options.onOpen?.(sync);
  const intervalMs = (options.intervalSeconds ?? 30) * 1000;
  const pollMs = options.pollMs ?? 200;
  const indexDir = options.indexDir ?? ledgerPaths(options.root).index;
  const report: FollowReport = { syncs: 0, runs: 0, failures: 0 };
  const woken = options.wakeWith && new Wakes(options.wakeWith);
  const waitForPublication = (seen: string) =>
    woken
      ? woken.wait(intervalMs, options.signal)
      : waitForRename(indexDir, seen, pollMs, intervalMs, options.signal);
  let failures = 0;
  try {
    while (!options.signal?.aborted) {
      const seen = woken ? "" : stamp(indexDir);
      try {
        const result = await sync.sync();
        failures = 0;
        report.syncs++;
        report.runs += result.runs;
        if (result.advanced) options.onSync?.(result);
      } catch (error) {
        // Nothing published to mirror yet: not a failure, only a wait for the first publication.
        if ((error as { code?: string }).code === "LEDGER_INDEX_MISSING") {
          await waitForPublication(seen);
          continue;
        }
        failures++;
        report.failures++;
        options.onSync?.(undefined, error);
        await sleep(backoff(failures, options), options.signal);
        continue;
      }
      await waitForPublication(seen);
    }
  } finally {
    await sync.close();
  }
  return report;
}

/**
 * One sync, retried with backoff while PostgreSQL is away (stopped, restarting, refusing
 * connections) for up to `retryForMs`; any other failure, or one that lasts longer, is thrown.
 */
export async function syncWithRetry(
  sync: PgSync,
  options: RetryOptions & { retryForMs?: number; onRetry?: (error: unknown) => void } = {},
): Promise<SyncReport> {
  const deadline = Date.now() + (options.retryForMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await sync.sync();
    } catch (error) {
      if (!isTransient(error) || Date.now() >= deadline || options.signal?.aborted) throw error;
      options.onRetry?.(error);
      await sleep(backoff(attempt, options), options.signal);
    }
  }
}

function backoff(failures: number, options: RetryOptions): number {
  const first = options.backoffMs ?? 100;
  return Math.min(options.maxBackoffMs ?? 5000, first * 2 ** Math.min(failures - 1, 20));
}

/** Identity of the published runs and catalog databases: a publication renames a new file in. */
function stamp(indexDir: string): string {
  return ["runs", "catalog"]
    .map((db) => {
      const st = fs.statSync(join(indexDir, `${db}.duckdb`), { throwIfNoEntry: false });
      return st ? `${st.ino}:${st.mtimeMs}` : "-";
    })
    .join("/");
}

/**
 * How long a publication of the runs database waits for the catalog's. The indexer publishes
 * runs first and the catalog right after; a sync started in between would read the runs with
 * the previous catalog (the reader attaches it when it opens the runs), and the new catalog's
 * pointers and artifacts would wait for the next publication.
 */
const CATALOG_WAIT_MS = 50;

/**
 * Resolves when the published index differs from `seen`, after `intervalMs`, or on abort. The
 * index directory is watched, so a publication wakes it at once; the poll every `pollMs` stays,
 * for a directory not made yet and file systems whose changes are not reported.
 */
async function waitForRename(
  indexDir: string,
  seen: string,
  pollMs: number,
  intervalMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + intervalMs;
  let wake = () => {};
  let watcher: fs.FSWatcher | undefined;
  let catalogWait: NodeJS.Timeout | undefined;
  try {
    watcher = fs.watch(indexDir, { persistent: false }, (_event, file) => {
      if (file === null || String(file) === "catalog.duckdb") wake();
      else if (String(file) === "runs.duckdb") {
        catalogWait ??= setTimeout(() => {
          catalogWait = undefined;
          wake();
        }, CATALOG_WAIT_MS);
      }
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    // No index directory yet, or no watching on this file system: the poll alone.
  }
  try {
    while (!signal?.aborted && Date.now() < deadline && stamp(indexDir) === seen) {
      const waited = new AbortController();
      wake = () => waited.abort();
      const stop = () => waited.abort();
      signal?.addEventListener("abort", stop, { once: true });
      await sleep(Math.min(pollMs, deadline - Date.now()), waited.signal);
      signal?.removeEventListener("abort", stop);
    }
  } finally {
    watcher?.close();
    clearTimeout(catalogWait);
  }
}

/** Wake-ups from the process that publishes: one that comes during a sync is kept for after it. */
class Wakes {
  #pending = false;
  #wake = () => {};

  constructor(wakeWith: (wake: () => void) => void) {
    wakeWith(() => {
      this.#pending = true;
      this.#wake();
    });
  }

  /** Resolves at the next wake-up (at once if one came since the last wait), after `ms`, or on abort. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.#pending) {
      const waited = new AbortController();
      this.#wake = () => waited.abort();
      const stop = () => waited.abort();
      signal?.addEventListener("abort", stop, { once: true });
      await sleep(ms, waited.signal);
      signal?.removeEventListener("abort", stop);
      this.#wake = () => {};
    }
    this.#pending = false;
  }
}

/** Refuses a wait that would spin (zero, negative, NaN) or that `setTimeout` cannot hold. */
function checkWaits(options: FollowOptions): void {
  const waitsMs = {
    intervalSeconds: options.intervalSeconds === undefined ? undefined : options.intervalSeconds * 1000,
    pollMs: options.pollMs,
    backoffMs: options.backoffMs,
    maxBackoffMs: options.maxBackoffMs,
  };
  for (const [name, ms] of Object.entries(waitsMs)) {
    if (ms !== undefined && !(ms > 0 && ms <= MAX_TIMEOUT_MS)) {
      throw new PostgresOptionError(`${name} must be over 0 and at most ${MAX_TIMEOUT_MS} ms, got ${ms} ms`);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {}).catch(() => {});
}
