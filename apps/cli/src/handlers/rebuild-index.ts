import { openIndexer } from "@ledger/indexer";
import type { RebuildIndexArgs } from "../commands/rebuild-index.js";
import { dim, duration, out } from "../output/print.js";
import { progressBar } from "../output/progress.js";
import { indexDirOf } from "./index-dir.js";
import { logRootOf } from "./log-root.js";

export async function rebuildIndex(args: RebuildIndexArgs): Promise<void> {
  const indexDir = indexDirOf(args.db);
  const root = logRootOf(args.root);
  const bar = progressBar("indexing", "bytes");
  const indexer = await openIndexer({
    root,
    indexDir,
    waitForLockMs: args.wait ? 24 * 3_600_000 : 0,
    onProgress: (p) => bar.update(p.bytesDone, p.bytesTotal),
    trace: args.verbose
      ? (sql, ms) => process.stderr.write(dim(`${ms.toFixed(1).padStart(8)} ms  ${sql.slice(0, 160)}\n`))
      : undefined,
  });
  try {
    const report =
      args["full-rebuild"] || args["since-date"] !== undefined
        ? await indexer.rebuild(args["since-date"] !== undefined ? { sinceDate: args["since-date"] } : {})
        : await indexer.update();
    if (args.json) {
      out(JSON.stringify(report));
      return;
    }
    const what = report.published ? "published" : "already up to date";
    out(
      `${report.mode}: ${report.events} new events from ${report.files} files (${(report.bytes / 1e6).toFixed(1)} MB), ` +
        `${report.quarantined} quarantined, ${report.duplicates} duplicates, ${duration(report.durationMs)}; ${what}`,
    );
    if (report.reason) out(dim(`rebuilt because ${report.reason}`));
  } finally {
    bar.stop();
    await indexer.close();
  }
}
