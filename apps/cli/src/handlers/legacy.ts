import { readFileSync } from "node:fs";
import {
  backfill,
  type DualMode,
  type LegacyLayout,
  MISSING_FROM_INDEX,
  openDualMode,
} from "@ledger/legacy-adapter";
import { assertSafeId, resolveRoot } from "@ledger/schema";
import type { LegacyArgs } from "../commands/legacy/options.js";
import type { LegacyRunsArgs } from "../commands/legacy/runs.js";
import type { LegacyRunArgs } from "../commands/legacy/status.js";
import { UsageError } from "../errors.js";
import { out, printJsonLines, printTable, statusColour } from "../output/print.js";
import { progressBar } from "../output/progress.js";
import { UserError } from "../user-error.js";
import { logRootOf } from "./log-root.js";

function cutoverOf(args: LegacyArgs): Date {
  const ms = Date.parse(args.cutover);
  if (!Number.isFinite(ms)) throw new UsageError(`--cutover "${args.cutover}" is not an ISO time`);
  return new Date(ms);
}

function layoutOf(args: LegacyArgs): LegacyLayout | undefined {
  if (args.layout === undefined) return undefined;
  try {
    return JSON.parse(readFileSync(args.layout, "utf8")) as LegacyLayout;
  } catch (error) {
    throw new UserError("LEDGER_BAD_LAYOUT", `--layout ${args.layout}: ${(error as Error).message}`);
  }
}

async function withDual<T>(args: LegacyArgs, use: (dual: DualMode) => Promise<T>): Promise<T> {
  const layout = layoutOf(args);
  const cutover = cutoverOf(args);
  const dual = await openDualMode({
    legacyDb: args["legacy-db"],
    root: logRootOf(args.root),
    cutover,
    ...(layout ? { layout } : {}),
  });
  try {
    return await use(dual);
  } finally {
    dual.close();
  }
}

const iso = (v: unknown) => (v === null || v === undefined ? "-" : new Date(Number(v)).toISOString());

export async function legacyRuns(args: LegacyRunsArgs): Promise<void> {
  const rows = await withDual(args, (d) =>
    d.queryRuns({
      limit: args.limit,
      ...(args.status ? { status: args.status } : {}),
      ...(args.type ? { type: args.type } : {}),
    }),
  );
  if (args.json) return printJsonLines(rows);
  printTable(rows, ["run_id", "run_type", "status", "created_ms", "source"], {
    status: (v) => statusColour(String(v)),
    created_ms: iso,
  });
}

export async function legacyStatus(args: LegacyRunArgs): Promise<void> {
  assertSafeId(args.id, "run id");
  const row = await withDual(args, (d) => d.queryRunStatus(args.id));
  if (!row) throw new UserError("LEDGER_RUN_NOT_FOUND", `no run ${args.id} on either side of the cutover`);
  if (args.json) return out(JSON.stringify(row));
  out(`${row.run_id}  ${statusColour(row.status)}  from ${row.source}  created ${iso(row.created_ms)}`);
}

export async function legacySource(args: LegacyRunArgs): Promise<void> {
  assertSafeId(args.id, "run id");
  const source = await withDual(args, (d) => d.getSourceForRun(args.id));
  if (!source) throw new UserError("LEDGER_RUN_NOT_FOUND", `no run ${args.id} on either side of the cutover`);
  out(args.json ? JSON.stringify({ run_id: args.id, source }) : source);
}

export async function legacyBackfill(args: LegacyArgs): Promise<void> {
  const bar = progressBar("backfilling", "runs");
  const layout = layoutOf(args);
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

export async function legacyCompare(args: LegacyArgs): Promise<void> {
  const differences = await withDual(args, (d) => d.compare());
  if (args.json) printJsonLines(differences);
  else if (differences.length === 0)
    out("parity: the index matches the legacy database on every backfilled run");
  else printTable(differences, ["run_id", "field", "legacy", "index"]);
  if (differences.length > 0) {
    const missing = differences.filter((d) => d.index === MISSING_FROM_INDEX).length;
    const differing = new Set(differences.filter((d) => d.index !== MISSING_FROM_INDEX).map((d) => d.run_id));
    const parts = [
      ...(missing > 0 ? [`${missing} runs missing from the index (backfill, then rebuild-index)`] : []),
      ...(differing.size > 0 ? [`${differing.size} runs whose fields differ`] : []),
    ];
    throw new UserError("LEDGER_PARITY_FAILED", `parity fails: ${parts.join(", ")}`);
  }
}
