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
