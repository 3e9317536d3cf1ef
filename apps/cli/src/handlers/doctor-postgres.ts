import type { Check } from "./doctor-checks.js";

/**
 * How far the PostgreSQL mirror is behind the log, in events and seconds. A server that cannot
 * be reached is a finding, like an index readers cannot open; a URL that is not PostgreSQL's
 * is the user's mistake and ends the command.
 */
export async function postgresLag(url: string, root: string): Promise<Check> {
  const { checkUrl, pgSyncLag } = await import("@ledger/postgres");
  checkUrl(url);
  const name = "postgres lag";
  try {
    const lag = await pgSyncLag({ url, root });
    const last = `last sync ${lag.syncedAt ?? "never"}`;
    return {
      name,
      ok: lag.bytes === 0,
      detail:
        lag.bytes === 0
          ? `PostgreSQL holds the whole log (${last})`
          : `${lag.events} events (${lag.bytes} bytes) not yet in PostgreSQL, the oldest ${lag.seconds.toFixed(1)} s old (${last})`,
      items: [lag],
    };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message };
  }
}
