import { setTimeout as delay } from "node:timers/promises";
import { indexLag, openIndexReader, readHealth, runDaemon } from "@ledger/indexer";
import type { DaemonArgs } from "../commands/daemon.js";
import { dim, duration, out } from "../output/print.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

export async function daemon(args: DaemonArgs): Promise<void> {
  const root = logRootOf(args.root);
  if (args.health) return health(root, args.json);
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
      ? mirrorAlongside(postgres, args.pg, root, controller.signal, args.verbose)
      : undefined;
  const final = await runDaemon({
    root,
    intervalSeconds: args.interval,
    watch: args.watch,
    signal: controller.signal,
    onRound: (report, error) => {
      if (error) process.stderr.write(`ledger daemon: round failed: ${(error as Error).message}\n`);
      else if (report && args.verbose) {
        out(
          dim(
            `${new Date().toISOString()} +${report.events} events, ${report.quarantined} quarantined, ${duration(report.durationMs)}`,
          ),
        );
      }
    },
  });
  await mirror;
  out(`stopped after ${final.rounds} rounds, ${final.events} events indexed`);
}

/**
 * Keeps PostgreSQL up to each publication while the daemon indexes. PostgreSQL being away, even
 * at the start, never stops the indexing: the mirror retries until the daemon stops.
 */
async function mirrorAlongside(
  { followPgSync, redactUrl }: typeof import("@ledger/postgres"),
  url: string,
  root: string,
  signal: AbortSignal,
  verbose: boolean,
): Promise<void> {
  out(`mirroring into ${redactUrl(url)}`);
  const warn = (error: unknown) =>
    process.stderr.write(`ledger daemon: PostgreSQL sync failed, retrying: ${(error as Error).message}\n`);
  while (!signal.aborted) {
    try {
      await followPgSync({
        url,
        root,
        signal,
        onSync: (report, error) => {
          if (error) warn(error);
          else if (report && verbose) out(dim(`${new Date().toISOString()} PostgreSQL +${report.runs} runs`));
        },
      });
    } catch (error) {
      warn(error);
      await delay(5000, undefined, { signal }).catch(() => {});
    }
  }
}

async function health(root: string, json: boolean): Promise<void> {
  const state = readHealth(root);
  // The lag is measured now, against the published index, whether or not a daemon runs.
  const reader = openIndexReader({ root });
  const lag = await indexLag(reader, root).finally(() => reader.close());
  const report = { running: state?.alive ?? false, ...state, lag };
  if (json) {
    out(JSON.stringify(report));
  } else {
    out(`daemon: ${report.running ? `running (pid ${state?.pid})` : "not running"}`);
    if (state?.lastIngestMs) out(`last ingest: ${new Date(state.lastIngestMs).toISOString()}`);
    out(`lag: ${lag.bytes} bytes, ${lag.events} events not yet indexed`);
    if (state)
      out(`quarantined: ${state.quarantined}; rounds: ${state.rounds}; errors: ${state.errors.length}`);
    for (const e of state?.errors ?? []) out(`  ${new Date(e.atMs).toISOString()} ${e.message}`);
  }
  if (!report.running) throw new UserError("LEDGER_DAEMON_DOWN", "no daemon is running for this root");
}
