import { setTimeout as delay } from "node:timers/promises";
import {
  type DaemonHealth,
  indexLag,
  type MirrorHealth,
  openIndexReader,
  readHealth,
  runDaemon,
  writeHealth,
} from "@ledger/indexer";
import type { PgSync } from "@ledger/postgres";
import type { DaemonArgs } from "../commands/daemon.js";
import { dim, duration, out } from "../output/print.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";
import { describeSteps } from "./pg-sync-steps.js";

export async function daemon(args: DaemonArgs): Promise<void> {
  const root = logRootOf(args.root);
  if (args.health) return health(root, args.json, args.pg);
  // Loaded only with --pg; a URL that is not PostgreSQL's is refused before indexing starts.
  const postgres = args.pg === undefined ? undefined : await import("@ledger/postgres");
  if (args.pg !== undefined) postgres?.checkUrl(args.pg);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  out(`indexing ${root} (pid ${process.pid}); SIGTERM or Ctrl-C stops`);
  const mirror = postgres && args.pg ? new Mirror(postgres, args.pg, root) : undefined;
  const mirroring = mirror?.run(controller.signal, args.verbose);
  const final = await runDaemon({
    root,
    intervalSeconds: args.interval,
    watch: args.watch,
    signal: controller.signal,
    ...(mirror
      ? { extraHealth: () => ({ postgres: mirror.health() }), beforeRound: () => mirror.beforeRound() }
      : {}),
    onRound: (report, error) => {
      if (error) process.stderr.write(`ledger daemon: round failed: ${(error as Error).message}\n`);
      // Both databases are published by now: the mirror starts at once, as the next round does.
      if (report?.published) mirror?.wake();
      if (report && args.verbose) {
        out(
          dim(
            `${new Date().toISOString()} +${report.events} events, ${report.quarantined} quarantined, ${duration(report.durationMs)}`,
          ),
        );
      }
    },
  });
  await mirroring;
  out(`stopped after ${final.rounds} rounds, ${final.events} events indexed`);
}

/** How long at most a round waits for the sync of the publication before it. */
const SYNC_FIRST_MS = 1000;

/** How often at most the mirror's lag is measured for the daemon's rounds (it reads the log). */
const MEASURE_EVERY_MS = 1000;

/**
 * Keeps PostgreSQL up to each publication while the daemon indexes, and reports its lag in the
 * daemon's health file. PostgreSQL being away, even at the start, never stops the indexing: the
 * mirror retries until the daemon stops.
 */
class Mirror {
  #sync: PgSync | undefined;
  #error: string | undefined;
  #measured: MirrorHealth | undefined;
  /** Starts the next sync at once; the daemon calls it after each publication. */
  wake: () => void = () => {};

  constructor(
    private readonly postgres: typeof import("@ledger/postgres"),
    private readonly url: string,
    private readonly root: string,
  ) {}

  async run(signal: AbortSignal, verbose: boolean): Promise<void> {
    const { followPgSync, redactUrl } = this.postgres;
    out(`mirroring into ${redactUrl(this.url)}`);
    const failed = (error: unknown) => {
      this.#error = (error as Error).message;
      this.#save();
      process.stderr.write(`ledger daemon: PostgreSQL sync failed, retrying: ${this.#error}\n`);
    };
    while (!signal.aborted) {
      try {
        await followPgSync({
          url: this.url,
          root: this.root,
          signal,
          onOpen: (sync) => {
            this.#sync = sync;
          },
          wakeWith: (wake) => {
            this.wake = wake;
          },
          onSync: (report, error) => {
            if (error) return failed(error);
            this.#error = undefined;
            this.#save();
            if (report && verbose)
              out(
                dim(`${new Date().toISOString()} PostgreSQL +${report.runs} runs; ${describeSteps(report)}`),
              );
          },
        });
      } catch (error) {
        failed(error);
        await delay(5000, undefined, { signal }).catch(() => {});
      }
    }
  }

  /**
   * Before each round: the sync of the publication just made runs first, for up to
   * `SYNC_FIRST_MS`, rather than beside the round on the same two cores and event loop, which
   * made each take longer; PostgreSQL slow or away holds the indexing that long at most. Then
   * the sync lets go of index files the round may reuse.
   */
  async beforeRound(): Promise<void> {
    const sync = this.#sync;
    if (!sync) return;
    // After the wake-up's promise callbacks, which start the sync.
    await new Promise((resolve) => setImmediate(resolve));
    const waited = new AbortController();
    await Promise.race([
      sync.idle(),
      delay(SYNC_FIRST_MS, undefined, { signal: waited.signal }).catch(() => {}),
    ]);
    waited.abort();
    await sync.release();
  }

  /** The lag now, or as measured less than a second ago: the daemon asks at every round. */
  health(): MirrorHealth {
    const last = this.#measured;
    return last && Date.now() - last.measuredMs < MEASURE_EVERY_MS ? last : this.#measure();
  }

  #measure(): MirrorHealth {
    const lag = this.#sync?.lag();
    this.#measured = {
      target: this.postgres.redactUrl(this.url),
      events: lag?.events ?? null,
      bytes: lag?.bytes ?? null,
      seconds: lag?.seconds ?? null,
      syncedAt: lag?.syncedAt ?? null,
      measuredMs: Date.now(),
      ...(this.#error ? { error: this.#error } : {}),
    };
    return this.#measured;
  }

  /**
   * Writes the figures into the health file as soon as a sync ends, between the daemon's own
   * writes (both are synchronous, in this one process, so neither overwrites the other's half).
   */
  #save(): void {
    const current = readHealth(this.root);
    if (!current) return;
    const { alive: _, ...health } = current;
    writeHealth(this.root, { ...health, postgres: this.#measure() } satisfies DaemonHealth);
  }
}

async function health(root: string, json: boolean, url: string | undefined): Promise<void> {
  const state = readHealth(root);
  // The lag is measured now, against the published index, whether or not a daemon runs; with
  // --pg, the mirror's too, against PostgreSQL itself.
  const reader = openIndexReader({ root });
  const lag = await indexLag(reader, root).finally(() => reader.close());
  const postgres = url === undefined ? state?.postgres : await measurePostgres(url, root);
  const report = { running: state?.alive ?? false, ...state, lag, ...(postgres ? { postgres } : {}) };
  if (json) {
    out(JSON.stringify(report));
  } else {
    out(`daemon: ${report.running ? `running (pid ${state?.pid})` : "not running"}`);
    if (state?.lastIngestMs) out(`last ingest: ${new Date(state.lastIngestMs).toISOString()}`);
    out(`lag: ${lag.bytes} bytes, ${lag.events} events not yet indexed`);
    if (postgres) out(describeMirror(postgres));
    if (state)
      out(`quarantined: ${state.quarantined}; rounds: ${state.rounds}; errors: ${state.errors.length}`);
    for (const e of state?.errors ?? []) out(`  ${new Date(e.atMs).toISOString()} ${e.message}`);
  }
  if (!report.running) throw new UserError("LEDGER_DAEMON_DOWN", "no daemon is running for this root");
}

/** The mirror's lag read from PostgreSQL now; a server that does not answer is reported, not thrown. */
async function measurePostgres(url: string, root: string): Promise<MirrorHealth> {
  const { checkUrl, pgSyncLag, redactUrl } = await import("@ledger/postgres");
  checkUrl(url);
  const measuredMs = Date.now();
  try {
    return { target: redactUrl(url), ...(await pgSyncLag({ url, root })), measuredMs };
  } catch (error) {
    const unknown = { events: null, bytes: null, seconds: null, syncedAt: null };
    return { target: redactUrl(url), ...unknown, measuredMs, error: (error as Error).message };
  }
}

function describeMirror(m: MirrorHealth): string {
  const age = `measured ${((Date.now() - m.measuredMs) / 1000).toFixed(1)} s ago`;
  const behind =
    m.events === null
      ? "lag unknown (not reached yet)"
      : m.bytes === 0
        ? "holds the whole log"
        : `${m.events} events (${m.bytes} bytes) behind the log, the oldest ${m.seconds?.toFixed(1)} s old`;
  const failing = m.error ? `; failing: ${m.error}` : "";
  return `postgres ${m.target}: ${behind}; last sync ${m.syncedAt ?? "never"}; ${age}${failing}`;
}
