import { openIndexReader } from "@ledger/indexer";
import { resolveRoot } from "@ledger/schema";
import type { RunsArgs } from "../commands/runs.js";
import { duration, out, printJsonLines, printTable, statusColour } from "../output/print.js";
import { parseSince } from "../output/since.js";
import { listRuns } from "../queries/runs.js";

export async function runs(args: RunsArgs): Promise<void> {
  const reader = openIndexReader({ root: resolveRoot(args.root) });
  try {
    const rows = await listRuns(reader, {
      ...(args.status !== undefined ? { status: args.status } : {}),
      ...(args.type !== undefined ? { type: args.type } : {}),
      ...(args.since !== undefined ? { sinceMs: parseSince(args.since) } : {}),
      limit: args.limit,
    });
    if (args.json) return printJsonLines(rows);
    if (rows.length === 0) return out("no runs match");
    printTable(rows, ["run_id", "run_type", "status", "trials", "duration_ms", "created_at"], {
      status: (v) => statusColour(String(v)),
      duration_ms: duration,
    });
  } finally {
    reader.close();
  }
}
