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
}

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
  return { instance, connections };
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
