import { openIndexReader } from "@ledger/indexer";
import { assertSafeId, resolveRoot } from "@ledger/schema";
import type { RunArgs } from "../commands/run.js";
import { bold, dim, duration, out, printTable, statusColour } from "../output/print.js";
import { UserError } from "../user-error.js";

export async function run(args: RunArgs): Promise<void> {
  assertSafeId(args.id, "run id");
  const reader = openIndexReader({ root: resolveRoot(args.root) });
  try {
    const [summary] = await reader.query("SELECT * FROM latest_runs WHERE run_id = $1", [args.id]);
    if (!summary) throw new UserError("LEDGER_RUN_NOT_FOUND", `no run ${args.id} in the index`);
    const phases = await reader.query(
      "SELECT phase, phase_order, duration_ms, started_ms, completed_ms FROM phase_timings WHERE run_id = $1 ORDER BY phase_order, phase",
      [args.id],
    );
    const [trials] = await reader.query(
      `SELECT count(*)::INTEGER AS trials, max(metrics['sharpe']) AS best_sharpe,
              arg_max(trial_id, metrics['sharpe']) AS best_trial
       FROM trial_results WHERE run_id = $1`,
      [args.id],
    );
    const artifacts = await reader
      .query(
        "SELECT artifact_id, kind, path, format, bytes FROM catalog.artifacts_catalog WHERE run_id = $1 ORDER BY path",
        [args.id],
      )
      .catch(() => []);
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
      `trials: ${trials?.trials ?? 0}${trials?.best_trial ? `, best sharpe ${trials.best_sharpe} (${trials.best_trial})` : ""}`,
    );
    if (artifacts.length > 0) {
      out();
      printTable(artifacts, ["path", "kind", "format", "bytes"]);
    }
  } finally {
    reader.close();
  }
}
