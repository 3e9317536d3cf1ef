import { openIndexer } from "@ledger/indexer";
import { resolveRoot } from "@ledger/schema";
import { openWriter } from "@ledger/writer";
import type { DemoArgs } from "../commands/demo.js";
import { simulateBacktests } from "../demo/simulate.js";
import { bold, dim, duration, out } from "../output/print.js";
import { runs } from "./runs.js";

export async function demo(args: DemoArgs): Promise<void> {
  const root = resolveRoot(args.root);
  const started = Date.now();
  const prefix = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "")}`;
  out(bold(`Simulating ${args.runs} backtests into ${root}`));
  const writer = await openWriter({ root });
  let done = 0;
  let failed = 0;
  try {
    await simulateBacktests(writer, {
      runs: args.runs,
      prefix,
      onRun: (_, status) => {
        done++;
        if (status === "failed") failed++;
        if (process.stderr.isTTY) process.stderr.write(`\r  ${done}/${args.runs} runs`);
      },
    });
  } finally {
    await writer.close();
  }
  if (process.stderr.isTTY) process.stderr.write("\r");
  out(`  ${done} runs written (${failed} failed on purpose), every event fsynced`);
  const indexer = await openIndexer({ root });
  try {
    const report = await indexer.update();
    out(`  indexed ${report.events} new events in ${duration(report.durationMs)}`);
  } finally {
    await indexer.close();
  }
  out();
  await runs({ root: args.root, limit: 12, json: false });
  out();
  out(dim(`done in ${duration(Date.now() - started)}. Try next:`));
  const r = args.root ? ` --root ${args.root}` : "";
  out(`  ledger run ${prefix}-002${r}               one run: phases, trials, artifacts`);
  out(`  ledger runs --status failed${r}`);
  out(`  ledger events --run ${prefix}-002${r}`);
  out(`  ledger query "SELECT * FROM run_phase_summary LIMIT 5"${r}`);
  out(`  ledger daemon${r}                        keep the index current while jobs run`);
}
