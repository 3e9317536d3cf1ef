import { indexLag, openIndexReader, readHealth, runDaemon } from "@ledger/indexer";
import type { DaemonArgs } from "../commands/daemon.js";
import { dim, duration, out } from "../output/print.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

export async function daemon(args: DaemonArgs): Promise<void> {
  const root = logRootOf(args.root);
  if (args.health) return health(root, args.json);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  out(`indexing ${root} (pid ${process.pid}); SIGTERM or Ctrl-C stops`);
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
  out(`stopped after ${final.rounds} rounds, ${final.events} events indexed`);
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
