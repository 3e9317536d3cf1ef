import { followPgSync, openPgSync, redactUrl, type SyncReport, syncWithRetry } from "@ledger/postgres";
import type { PgSyncArgs } from "../commands/pg-sync.js";
import { dim, duration, out } from "../output/print.js";
import { logRootOf } from "./log-root.js";
import { describeSteps } from "./pg-sync-steps.js";

export async function pgSync(args: PgSyncArgs): Promise<void> {
  const root = logRootOf(args.root);
  if (args.follow) return follow(args, root);
  const sync = await openPgSync({ url: args.pg, root, batchRuns: args["batch-runs"] });
  const report = await syncWithRetry(sync, {
    onRetry: (error) => process.stderr.write(`ledger pg-sync: retrying: ${(error as Error).message}\n`),
  }).finally(() => sync.close());
  if (args.json) out(JSON.stringify(report));
  else out(describeSync(report));
}

async function follow(args: PgSyncArgs, root: string): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // With --json, stdout holds only the syncs' reports, one a line.
  const say = args.json ? (line: string) => process.stderr.write(`${line}\n`) : out;
  say(`mirroring ${root} into ${redactUrl(args.pg)} (pid ${process.pid}); SIGTERM or Ctrl-C stops`);
  const report = await followPgSync({
    url: args.pg,
    root,
    batchRuns: args["batch-runs"],
    intervalSeconds: args.interval,
    signal: controller.signal,
    onSync: (sync, error) => {
      if (error) process.stderr.write(`ledger pg-sync: sync failed, retrying: ${(error as Error).message}\n`);
      else if (sync && args.json) out(JSON.stringify({ at: new Date().toISOString(), ...sync }));
      else if (sync && args.verbose)
        out(dim(`${new Date().toISOString()} ${describeSync(sync)}; ${describeSteps(sync)}`));
    },
  });
  say(
    `stopped after ${report.syncs} syncs, ${report.runs} runs written, ${report.failures} failures retried`,
  );
}

function describeSync(r: SyncReport): string {
  const escaped = r.escaped > 0 ? `, ${r.escaped} strings stored escaped (NUL or lone surrogate)` : "";
  const rebuilt = r.rebuilt
    ? "mirror rebuilt from the index (its rows were derived by another projection): "
    : "";
  return `${rebuilt}${r.runs} runs written of ${r.changed} changed in the index, ${r.phases} phases, ${r.artifacts} artifacts${escaped} (${duration(r.durationMs)})`;
}
