import type { ServerResponse } from "node:http";
import {
  type IndexOffsets,
  type IndexReader,
  indexLag,
  readHealth,
  runRecords,
  runsChangedSince,
} from "@ledger/indexer";
import { firstLine } from "@ledger/schema";
import { encodeCursor } from "@ledger/writer";
import { openEventStream, writeWithBackpressure } from "./respond.js";
import type { RunSource } from "./run-source.js";
import type { BestTrial, RunListing } from "./runs.js";

export interface RunChangesOptions {
  root: string;
  reader: IndexReader;
  /** Runs come from another source than the index (PostgreSQL): changes are found by listing. */
  source?: RunSource;
  signal: AbortSignal;
  /** How often the index and the daemon's health are looked at. @default 1000 */
  intervalMs?: number;
  /** @default 15000 */
  heartbeatMs?: number;
}

/** More changed runs than this in one round and the client is told to list again instead. */
const MOST_CHANGED = 500;
/** How many of the newest runs a source without change tracking is listed for. */
const WATCHED = 200;

/** The health the page's banner shows: the daemon's last report and how far the index lags. */
export async function healthOf(reader: IndexReader, root: string) {
  return { daemon: readHealth(root) ?? null, lag: await indexLag(reader, root) };
}

/**
 * `GET /runs?stream=true`: Server-Sent Events about runs. `ready` first, once the stream knows
 * where the index stands, with that place as `cursor` (as `GET /runs` gives it; null for a source
 * other than the index): a client whose listing has another cursor, or none, lists again, so a
 * change between its listing and the stream is never missed. Then `runs` with the runs whose rows
 * changed, each as `GET /runs?fields=best` shows it; `health` when the daemon's state or the
 * index's lag changes; `ready` again when too many runs changed at once to send.
 */
export async function streamRunChanges(response: ServerResponse, options: RunChangesOptions): Promise<void> {
  const stopHeartbeat = openEventStream(response, options.heartbeatMs);
  const send = (event: string, data: unknown) =>
    writeWithBackpressure(response, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const changes = options.source ? listingChanges(options.source) : indexChanges(options.reader);
  let lastHealth = "";
  let lastProblem = "";
  try {
    await changes.next();
    await send("ready", { cursor: changes.cursor() });
    while (!options.signal.aborted) {
      try {
        const health = await healthOf(options.reader, options.root);
        const key = JSON.stringify([health.daemon?.alive, health.daemon?.state, health.lag]);
        if (key !== lastHealth) {
          lastHealth = key;
          await send("health", health);
        }
        const runs = await changes.next();
        if (runs === "too many") await send("ready", { cursor: changes.cursor() });
        else if (runs.length > 0) await send("runs", { runs });
        lastProblem = "";
      } catch (error) {
        // A missing index or a database that went away: said once, then tried again.
        const message = firstLine(error);
        if (message !== lastProblem) await send("problem", { error: message });
        lastProblem = message;
      }
      await sleep(options.intervalMs ?? 1000, options.signal);
    }
  } finally {
    stopHeartbeat();
    response.end();
  }
}

interface Changes {
  /** The runs changed since the previous call (the first call only takes the starting point). */
  next(): Promise<RunListing[] | "too many">;
  /** Where the changes sent so far reach, as `GET /runs`'s `cursor`; null when not the index. */
  cursor(): string | null;
}

/** Changes read from the index: the runs with events it took in since the previous round. */
function indexChanges(reader: IndexReader): Changes {
  let since: IndexOffsets | undefined;
  return {
    cursor: () => (since && reader.exists() ? encodeCursor(since.runs) : null),
    async next() {
      const current = {
        runs: await reader.checkpoints("runs"),
        catalog: await reader.checkpoints("catalog"),
      };
      const previous = since;
      if (!previous) {
        since = current;
        return [];
      }
      if (sameOffsets(previous, current)) return [];
      const ids = await runsChangedSince(reader, previous, current);
      since = current;
      if (ids.length > MOST_CHANGED) return "too many";
      const { runs } = await runRecords(reader, ids);
      return runs.map((r) => ({
        run_id: r.run_id,
        run_type: r.run_type,
        status: r.status,
        created_at: r.created_at,
        started_at: r.started_at,
        completed_at: r.completed_at,
        duration_ms: r.duration_ms,
        exit_code: r.exit_code,
        trials: r.trials,
        best_trial: r.best_trial,
        best_sharpe: r.best_sharpe,
      }));
    },
  };
}

/** Changes of a source without change tracking: its newest runs listed again, compared. */
function listingChanges(source: RunSource): Changes {
  let seen: Map<string, string> | undefined;
  return {
    cursor: () => null,
    async next() {
      const runs = await source.list({ limit: WATCHED });
      const now = new Map(runs.map((r) => [r.run_id, JSON.stringify(r)]));
      const changed = seen ? runs.filter((r) => seen?.get(r.run_id) !== now.get(r.run_id)) : [];
      seen = now;
      if (changed.length === 0) return [];
      const bests = await source.best(changed.map((r) => r.run_id));
      return changed.map(
        (r) =>
          ({
            ...r,
            ...(bests.get(r.run_id) ?? { best_trial: null, best_sharpe: null }),
          }) satisfies RunListing & BestTrial,
      );
    },
  };
}

function sameOffsets(a: IndexOffsets, b: IndexOffsets): boolean {
  const same = (x: ReadonlyMap<string, number>, y: ReadonlyMap<string, number>) =>
    x.size === y.size && [...x].every(([file, bytes]) => y.get(file) === bytes);
  return same(a.runs, b.runs) && same(a.catalog, b.catalog);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
