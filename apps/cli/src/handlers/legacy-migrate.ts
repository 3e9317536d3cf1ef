import { backfill, MISSING_FROM_INDEX, suggestLayout } from "@ledger/legacy-adapter";
import { resolveRoot } from "@ledger/schema";
import type { LegacyInitLayoutArgs } from "../commands/legacy/init-layout.js";
import type { LegacyArgs } from "../commands/legacy/options.js";
import { out, printJsonLines, printTable } from "../output/print.js";
import { progressBar } from "../output/progress.js";
import { UserError } from "../user-error.js";
import { cutoverOf, layoutOf, withDual } from "./legacy.js";

export async function legacyInitLayout(args: LegacyInitLayoutArgs): Promise<void> {
  out(JSON.stringify(await suggestLayout(args["legacy-db"]), null, 2));
  process.stderr.write(
    "ledger: a starting layout guessed from names: check each mapping (legacy_columns lists the file's columns), then pass it as --layout\n",
  );
}

export async function legacyBackfill(args: LegacyArgs): Promise<void> {
  const layout = layoutOf(args);
  const bar = progressBar("backfilling", "runs");
  const report = await backfill({
    legacyDb: args["legacy-db"],
    root: resolveRoot(args.root),
    cutover: cutoverOf(args),
    ...(layout ? { layout } : {}),
    onProgress: (p) => bar.update(p.runsDone, p.runsTotal),
  }).finally(() => bar.stop());
  if (args.json) return out(JSON.stringify(report));
  out(
    `${report.runsDone} legacy runs: ${report.eventsWritten} events written, ${report.eventsSkipped} already in the log`,
  );
  for (const r of report.rejected) out(`  not written: ${r.run_id}: ${r.reason}`);
}

/**
 * Parity, printed: every difference (with the reason when the event model cannot express the
 * legacy value), then each field that could not be checked. Exit 1 only on a difference a
 * backfill and rebuild should have removed.
 */
export async function legacyCompare(args: LegacyArgs): Promise<void> {
  const { differences, unchecked } = await withDual(args, (d) => d.compare());
  const real = differences.filter((d) => d.reason === undefined);
  const explained = differences.length - real.length;
  if (args.json) {
    printJsonLines(differences);
    printJsonLines(unchecked.map((u) => ({ unchecked: u.field, reason: u.reason })));
  } else {
    if (real.length === 0) {
      const except = explained > 0 ? `, except ${explained} differences the event model cannot express:` : "";
      out(`parity: the index matches the legacy database on every backfilled run${except}`);
    }
    if (differences.length > 0)
      printTable(differences, ["run_id", "field", "legacy", "index", ...(explained > 0 ? ["reason"] : [])]);
    for (const u of unchecked) out(`not checked: ${u.field}: ${u.reason}`);
  }
  if (real.length > 0) {
    const missing = real.filter((d) => d.index === MISSING_FROM_INDEX).length;
    const differing = new Set(real.filter((d) => d.index !== MISSING_FROM_INDEX).map((d) => d.run_id));
    const parts = [
      ...(missing > 0 ? [`${missing} runs missing from the index (backfill, then rebuild-index)`] : []),
      ...(differing.size > 0 ? [`${differing.size} runs whose fields differ`] : []),
    ];
    throw new UserError("LEDGER_PARITY_FAILED", `parity fails: ${parts.join(", ")}`);
  }
}
