import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { IndexerOptions } from "../options.js";
import { DEFAULT_MEMORY_LIMIT } from "../options-check.js";
import type { IndexDatabase } from "../projections/define.js";
import { traceConnection } from "../trace.js";

/**
 * The storage format new index files are written in. In DuckDB's default (v0.10.2) each
 * checkpoint rewrites the metadata of every row group of a changed table, so a round's checkpoint
 * grows with the index (48–84 ms on 1M events); in v1.4.0 unchanged row groups keep theirs
 * (about 23 ms). Readers need DuckDB 1.4 or later to open the index.
 */
const STORAGE_VERSION = "v1.4.0";

/**
 * The indexer's DuckDB: an in-memory instance with one connection per index database, so the
 * three apply their batch and checkpoint at the same time, and the in-memory database `stage`
 * through which they share the staged batch.
 */
export interface Engine {
  instance: DuckDBInstance;
  connections: Record<IndexDatabase, DuckDBConnection>;
  /** DuckDB worker threads for full rebuilds, and for rounds (see `useFor`). */
  threads: Record<EngineUse, number>;
  /** What the instance is set up for now. */
  use: EngineUse;
}

export type EngineUse = "rebuild" | "round";

/**
 * DuckDB worker threads of an incremental round when the options name none. A round's
 * statements each handle a batch of a few thousand rows, too few to split, and the three
 * databases already apply at the same time on their own connections; with more threads each
 * statement paid for scheduling the others: on 2 cores, with writers appending, rounds of 500
 * and 5,000 events took 10–30% less time with one (paired rounds, same process). Full rebuilds
 * keep DuckDB's choice, one per core.
 */
const ROUND_THREADS = 1;

/**
 * How a round commits each database: straight into its file, without writing the batch to the
 * write-ahead log first. Every round ends in a CHECKPOINT anyway (readers open the published file
 * without its log), so the log was written and flushed only to be folded in and truncated
 * moments later. Committing this way (DuckDB's checkpoint on commit, here at any size) made a
 * round's COMMIT and CHECKPOINT of 4,000 events about 25% quicker (68 to 51 ms). A commit that
 * fails leaves the file as it was, as before: the round fails and the next carries on from it.
 */
const ROUND_SETTINGS = "SET checkpoint_threshold = '0b'; SET auto_checkpoint_skip_wal_threshold = 0";
/** Full rebuilds keep DuckDB's defaults (a log of batches, checkpointed every 16 MiB), as opened. */
const REBUILD_SETTINGS = "RESET checkpoint_threshold; RESET auto_checkpoint_skip_wal_threshold";

export async function openEngine(options: IndexerOptions, indexDir: string): Promise<Engine> {
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: join(indexDir, ".tmp"),
    preserve_insertion_order: "true",
    storage_compatibility_version: STORAGE_VERSION,
  };
  if (options.threads) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(":memory:", config);
  const connections = {
    runs: await instance.connect(),
    catalog: await instance.connect(),
    alerts: await instance.connect(),
  };
  await connections.runs.run("ATTACH ':memory:' AS stage");
  if (options.trace) for (const c of Object.values(connections)) traceConnection(c, options.trace);
  const reader = await connections.runs.runAndReadAll("SELECT current_setting('threads')");
  const rebuild = Number(reader.getRows()[0]?.[0] ?? 1);
  return {
    instance,
    connections,
    threads: { rebuild, round: options.threads ?? ROUND_THREADS },
    use: "rebuild",
  };
}

/** Sets the instance up for what comes next: a full rebuild or rounds (threads, commits). */
export async function useFor(engine: Engine, use: EngineUse): Promise<void> {
  if (engine.use === use) return;
  const settings = use === "round" ? ROUND_SETTINGS : REBUILD_SETTINGS;
  await engine.connections.runs.run(`SET threads = ${engine.threads[use]}; ${settings}`);
  engine.use = use;
}

/** Closes the engine; what it had attached is let go, whatever state a failure left it in. */
export function closeEngine(engine: Engine): void {
  for (const c of Object.values(engine.connections)) {
    try {
      c.closeSync();
    } catch {
      // already unusable: closing the instance below releases it
    }
  }
  engine.instance.closeSync();
}
