import { IndexerOptionError } from "./errors.js";
import type { IndexerOptions } from "./options.js";

export const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MEMORY_LIMIT = "128MB";

// DuckDB's units: KB, MB, GB and TB count in thousands, KiB, MiB, GiB and TiB in 1024s.
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes in a DuckDB memory size such as "128MB" or "1.5 GiB"; undefined if DuckDB's own words. */
export function memoryBytes(size: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(size);
  if (!match) return undefined;
  const unit = UNITS[(match[2] ?? "b").toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/**
 * Refuses options that would fail mid-round, when the indexer opens instead. A batch is held by
 * DuckDB several times over (staged, copied per database, projected): at half of the memory
 * limit a rebuild ran out of memory, at an eighth it ran; a quarter is the line drawn.
 */
export function checkIndexerOptions(options: IndexerOptions): void {
  const positive = (name: keyof IndexerOptions, value: number | undefined) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new IndexerOptionError(`${name} must be a positive whole number, got ${value}`);
    }
  };
  positive("batchBytes", options.batchBytes);
  positive("maxLineBytes", options.maxLineBytes);
  positive("threads", options.threads);
  const wait = options.waitForLockMs;
  if (wait !== undefined && !(Number.isFinite(wait) && wait >= 0)) {
    throw new IndexerOptionError(`waitForLockMs must be 0 or more, got ${wait}`);
  }
  const memory = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const limit = memoryBytes(memory);
  const batch = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (limit !== undefined && batch > limit / 4) {
    throw new IndexerOptionError(
      `batchBytes ${batch} is over a quarter of memoryLimit ${memory}: DuckDB would run out of memory; lower batchBytes or raise memoryLimit`,
    );
  }
}
