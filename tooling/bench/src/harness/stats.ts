/** The value below which `p` (0..1) of the sorted samples fall (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Sorted copy of latency samples, for percentiles. */
export function sortedSamples(samples: Float64Array | number[]): Float64Array {
  return Float64Array.from(samples).sort();
}

/** Times `run` `times` times, one call after another; the latencies (ms), sorted. */
export async function timeEach(times: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

/** A table row for one-at-a-time operations: rate is 1 / median latency. */
export function latencyRow(name: string, sorted: number[], note: string) {
  return { name, rate: 1000 / median(sorted), p50: median(sorted), p99: percentile(sorted, 0.99), note };
}
