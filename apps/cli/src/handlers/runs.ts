import { listRuns, openIndexReader } from "@ledger/indexer";
import type { RunsArgs } from "../commands/runs.js";
import { duration, out, printJsonLines, printTable, statusColour } from "../output/print.js";
import { parseSince } from "../output/since.js";
import { logRootOf } from "./log-root.js";

export async function runs(args: RunsArgs): Promise<void> {
  const filter = {
    ...(args.status !== undefined ? { status: args.status } : {}),
    ...(args.type !== undefined ? { type: args.type } : {}),
    ...(args.since !== undefined ? { createdFrom: parseSince(args.since) } : {}),
    limit: args.limit,
  };
  const reader = openIndexReader({ root: logRootOf(args.root) });
  try {
    const rows = await listRuns(reader, filter);
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
