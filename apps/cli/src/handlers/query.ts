import { openIndexReader } from "@ledger/indexer";
import type { QueryArgs } from "../commands/query.js";
import { out, printJsonLines, printTable } from "../output/print.js";
import { logRootOf } from "./log-root.js";

export async function query(args: QueryArgs): Promise<void> {
  // The snapshot is opened read-only, so a write fails in DuckDB and never touches the index,
  // and index-only, so the SQL cannot read or write other files or reach the network either.
  const reader = openIndexReader({ root: logRootOf(args.root), indexOnly: true });
  try {
    const rows = await reader.rows(args.sql);
    if (args.json) return printJsonLines(rows);
    if (rows.length === 0) return out("(no rows)");
    printTable(rows, Object.keys(rows[0] ?? {}));
  } finally {
    reader.close();
  }
}
