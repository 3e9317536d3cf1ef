import {
  type DaemonHealth,
  indexLag,
  type MirrorHealth,
  openIndexReader,
  readHealth,
  runDaemon,
  writeHealth,
} from "@ledger/indexer";
import type { DaemonArgs } from "../commands/daemon.js";
import { MirrorProcess } from "../mirror/mirror-process.js";
import { dim, duration, out } from "../output/print.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

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
  const mirror =
    postgres && args.pg
      ? new MirrorProcess(
          { url: args.pg, root, verbose: args.verbose, target: postgres.redactUrl(args.pg) },
          (postgres) => saveMirrorHealth(root, postgres),
        )
      : undefined;
  let mirroring: Promise<void> | undefined;
  const final = await runDaemon({
    root,
    intervalSeconds: args.interval,
    watch: args.watch,
    signal: controller.signal,
    // Only once this daemon holds the lock: a second daemon refused it starts no mirror.
    onStarted: () => {
      if (!mirror) return;
      out(`mirroring into ${mirror.target}`);
      mirroring = mirror.run(controller.signal);
    },
    ...(mirror ? { extraHealth: () => ({ postgres: mirror.health() }) } : {}),
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
  }).finally(() => {
    // A daemon that failed stops its mirror too, rather than being kept alive by it.
    controller.abort();
    return mirroring;
  });
  out(`stopped after ${final.rounds} rounds, ${final.events} events indexed`);
}

/**
 * Writes the mirror's figures into the health file as soon as its process reports them, between
 * the daemon's own writes (both are synchronous, in this one process, so neither overwrites the
 * other's half).
 */
function saveMirrorHealth(root: string, postgres: MirrorHealth): void {
  try {
    const current = readHealth(root);
    if (!current) return;
    const { alive: _, ...health } = current;
    writeHealth(root, { ...health, postgres } satisfies DaemonHealth);
  } catch {
    // A health file that cannot be written (a full disk) fails the daemon's own next write,
    // which reports it; the mirror's figures wait for that write.
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
