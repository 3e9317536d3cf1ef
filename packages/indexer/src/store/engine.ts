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
  /** DuckDB worker threads for full rebuilds, and for rounds (see `useThreads`). */
  threads: Record<ThreadUse, number>;
  /** The threads the instance runs with now. */
  threadsNow: number;
}

export type ThreadUse = "rebuild" | "round";

/**
 * DuckDB worker threads of an incremental round when the options name none. A round's
 * statements each handle a batch of a few thousand rows, too few to split, and the three
 * databases already apply at the same time on their own connections; with more threads each
 * statement paid for scheduling the others: on 2 cores, with writers appending, rounds of 500
 * and 5,000 events took 10–30% less time with one (paired rounds, same process). Full rebuilds
 * keep DuckDB's choice, one per core.
 */
const ROUND_THREADS = 1;

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
    threadsNow: rebuild,
  };
}

/** Sets the instance's worker threads for what comes next: a full rebuild or rounds. */
export async function useThreads(engine: Engine, use: ThreadUse): Promise<void> {
  const wanted = engine.threads[use];
  if (engine.threadsNow === wanted) return;
  await engine.connections.runs.run(`SET threads = ${wanted}`);
  engine.threadsNow = wanted;
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
