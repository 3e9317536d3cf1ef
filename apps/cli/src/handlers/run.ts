import { openIndexReader } from "@ledger/indexer";
import { assertSafeId, resolveRoot } from "@ledger/schema";
import type { RunArgs } from "../commands/run.js";
import { bold, dim, duration, out, printTable, statusColour } from "../output/print.js";
import { runDetail } from "../queries/runs.js";
import { UserError } from "../user-error.js";

export async function run(args: RunArgs): Promise<void> {
  assertSafeId(args.id, "run id");
  const reader = openIndexReader({ root: resolveRoot(args.root) });
  try {
    const detail = await runDetail(reader, args.id);
    if (!detail) throw new UserError("LEDGER_RUN_NOT_FOUND", `no run ${args.id} in the index`);
    const { run: summary, phases, trials, artifacts } = detail;
    if (args.json) {
      out(JSON.stringify({ ...summary, phases, trials, artifacts }));
      return;
    }
    out(`${bold(args.id)}  ${statusColour(String(summary.status))}  ${summary.run_type ?? "-"}`);
    out(
      `created ${summary.created_at ?? "-"}, took ${duration(summary.duration_ms)}, exit code ${summary.exit_code ?? "-"}`,
    );
    if (summary.summary) out(dim(`summary ${summary.summary}`));
    out();
    if (phases.length > 0)
      printTable(phases, ["phase", "phase_order", "duration_ms"], { duration_ms: duration });
    out();
    out(
      `trials: ${trials.trials}${trials.best_trial ? `, best sharpe ${trials.best_sharpe} (${trials.best_trial})` : ""}`,
    );
    if (artifacts.length > 0) {
      out();
      printTable(artifacts, ["path", "kind", "format", "bytes"]);
    }
  } finally {
    reader.close();
  }
}
