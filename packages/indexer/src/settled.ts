/**
 * Like `Promise.all`, but settles only once every promise has: a step that failed must not let
 * the round's clean-up run while the other databases' statements are still running on their
 * connections (it would find them mid-transaction). Rejects with the first failure.
 */
export async function allSettled<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const outcomes = await Promise.allSettled(promises);
  for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<T>).value);
}
