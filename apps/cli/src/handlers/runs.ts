import { openIndexReader } from "@ledger/indexer";
import { resolveRoot } from "@ledger/schema";
import type { RunsArgs } from "../commands/runs.js";
import { UsageError } from "../errors.js";
import { duration, out, printJsonLines, printTable, statusColour } from "../output/print.js";
import { parseSince } from "../output/since.js";

export async function runs(args: RunsArgs): Promise<void> {
  if (!Number.isInteger(args.limit) || args.limit < 1)
    throw new UsageError("--limit must be a positive integer");
  const where: string[] = [];
  const params: (string | number)[] = [];
  // Every filter is a bound parameter: nothing the user types becomes SQL text.
  if (args.status !== undefined) {
    params.push(args.status);
    where.push(`status = $${params.length}`);
  }
  if (args.type !== undefined) {
    params.push(args.type);
    where.push(`run_type = $${params.length}`);
  }
  if (args.since !== undefined) {
    params.push(parseSince(args.since));
    where.push(`created_at >= epoch_ms($${params.length}::BIGINT)`);
  }
  params.push(args.limit);
  const reader = openIndexReader({ root: resolveRoot(args.root) });
  try {
    const rows = await reader.query(
      `SELECT r.run_id, r.run_type, r.status, r.created_at, r.duration_ms, r.exit_code,
              (SELECT count(*) FROM trial_results t WHERE t.run_id = r.run_id) AS trials
       FROM latest_runs r ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       LIMIT $${params.length}`,
      params,
    );
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
