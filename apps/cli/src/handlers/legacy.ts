import { readFileSync } from "node:fs";
import {
  type DualMode,
  type LegacyLayout,
  LegacyLayoutError,
  openDualMode,
  parseLegacyLayout,
} from "@ledger/legacy-adapter";
import { assertSafeId, resolveRoot } from "@ledger/schema";
import type { LegacyArgs } from "../commands/legacy/options.js";
import type { LegacyRunsArgs } from "../commands/legacy/runs.js";
import type { LegacyRunArgs } from "../commands/legacy/status.js";
import { UsageError } from "../errors.js";
import { out, printJsonLines, printTable, statusColour } from "../output/print.js";
import { UserError } from "../user-error.js";

export function cutoverOf(args: LegacyArgs): Date {
  const ms = Date.parse(args.cutover);
  if (!Number.isFinite(ms)) throw new UsageError(`--cutover "${args.cutover}" is not an ISO time`);
  return new Date(ms);
}

/** The `--layout` file, read and checked: a bad key is one line naming the file and the key. */
export function layoutOf(args: LegacyArgs): LegacyLayout | undefined {
  if (args.layout === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(args.layout, "utf8"));
  } catch (error) {
    throw new UserError("LEDGER_BAD_LAYOUT", `--layout ${args.layout}: ${(error as Error).message}`);
  }
  try {
    return parseLegacyLayout(value);
  } catch (error) {
    if (error instanceof LegacyLayoutError)
      throw new LegacyLayoutError(`--layout ${args.layout}: ${error.message}`);
    throw error;
  }
}

/**
 * Opens dual mode for one command. The root need not hold a log or an index yet: `legacy runs`
 * is a migration's first step, before anything is written, and the legacy side answers alone
 * (said on stderr, so a mistyped --root does not pass unnoticed).
 */
export async function withDual<T>(args: LegacyArgs, use: (dual: DualMode) => Promise<T>): Promise<T> {
  const layout = layoutOf(args);
  const cutover = cutoverOf(args);
  const root = resolveRoot(args.root);
  const dual = await openDualMode({
    legacyDb: args["legacy-db"],
    root,
    cutover,
    ...(layout ? { layout } : {}),
  });
  try {
    if (!dual.hasIndex)
      process.stderr.write(`ledger: no index under ${root} yet: only the legacy side answers\n`);
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
