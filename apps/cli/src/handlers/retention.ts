import { openIndexer } from "@ledger/indexer";
import { applyRetention, planRetention } from "@ledger/writer";
import type { RetentionArgs } from "../commands/retention.js";
import { dim, out } from "../output/print.js";
import { progressBar } from "../output/progress.js";
import { parseDuration } from "../output/since.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

export async function retention(args: RetentionArgs): Promise<void> {
  const root = logRootOf(args.root);
  const compressAfterMs = args["compress-after"]
    ? parseDuration(args["compress-after"], "--compress-after")
    : undefined;
  const deleteAfterMs = args["delete-after"]
    ? parseDuration(args["delete-after"], "--delete-after")
    : undefined;
  if (compressAfterMs !== undefined && deleteAfterMs !== undefined && deleteAfterMs <= compressAfterMs) {
    throw new UserError("LEDGER_BAD_RETENTION", "--delete-after must be longer than --compress-after");
  }
  const plan = planRetention({
    root,
    ...(compressAfterMs !== undefined ? { compressAfterMs } : {}),
    ...(deleteAfterMs !== undefined ? { deleteAfterMs } : {}),
  });
  const summary: { checkpoint?: string; [key: string]: unknown } = {
    compress: plan.compress.map((f) => f.rel),
    delete: plan.delete,
    busy: plan.busy.map((f) => f.rel),
    dryRun: args["dry-run"],
  };
  if (!args["dry-run"]) {
    // Everything about to be deleted goes into every generation of the index first, and then
    // into a checkpoint that full rebuilds start from, so its runs are kept. If either fails,
    // nothing is deleted.
    if (plan.delete.length > 0) {
      const indexer = await openIndexer({ root, waitForLockMs: 60_000 });
      try {
        await indexer.settle();
        summary.checkpoint = (await indexer.checkpointForRetention(plan.delete)).name;
      } finally {
        await indexer.close();
      }
    }
    const bar = progressBar("retention", "files");
    await applyRetention(root, plan, (done, total) => bar.update(done, total)).finally(() => bar.stop());
  }
  if (args.json) return out(JSON.stringify(summary));
  const verb = args["dry-run"] ? "would" : "did";
  out(`${verb} compress ${plan.compress.length} part files and delete ${plan.delete.length} days`);
  for (const f of plan.compress) out(dim(`  gzip   ${f.rel}`));
  for (const d of plan.delete) out(dim(`  delete ${d}`));
  for (const f of plan.busy) out(dim(`  busy   ${f.rel} (a writer holds it; next time)`));
  if (summary.checkpoint)
    out(dim(`  the index's rows of deleted days are kept in checkpoint ${summary.checkpoint}`));
}
