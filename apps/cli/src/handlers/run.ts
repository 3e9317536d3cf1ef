import { openIndexReader, runDetail } from "@ledger/indexer";
import { assertSafeId } from "@ledger/schema";
import type { RunArgs } from "../commands/run.js";
import { bold, dim, duration, out, printTable, statusColour } from "../output/print.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

export async function run(args: RunArgs): Promise<void> {
  assertSafeId(args.id, "run id");
  const reader = openIndexReader({ root: logRootOf(args.root) });
  try {
    const document = await runDetail(reader, args.id);
    if (!document) throw new UserError("LEDGER_RUN_NOT_FOUND", `no run ${args.id} in the index`);
    if (args.json) return out(JSON.stringify(document));
    const { run: summary, phases, trials, best_trial: best, artifacts } = document;
    out(`${bold(args.id)}  ${statusColour(summary.status)}  ${summary.run_type ?? "-"}`);
    out(
      `created ${summary.created_at ?? "-"}, took ${duration(summary.duration_ms)}, exit code ${summary.exit_code ?? "-"}`,
    );
    if (summary.summary) out(dim(`summary ${JSON.stringify(summary.summary)}`));
    out();
    if (phases.length > 0)
      printTable(phases, ["phase", "phase_order", "duration_ms"], { duration_ms: duration });
    out();
    out(`trials: ${trials}${best ? `, best sharpe ${best.sharpe} (${best.trial_id})` : ""}`);
    if (artifacts.length > 0) {
      out();
      printTable(artifacts, ["path", "kind", "format", "bytes"]);
    }
  } finally {
    reader.close();
  }
}
