import { openIndexReader } from "@ledger/indexer";
import { resolveRoot } from "@ledger/schema";
import type { QueryArgs } from "../commands/query.js";
import { out, printJsonLines, printTable } from "../output/print.js";

export async function query(args: QueryArgs): Promise<void> {
  // The snapshot is opened read-only: a write fails in DuckDB and never touches the index.
  const reader = openIndexReader({ root: resolveRoot(args.root) });
  try {
    const rows = await reader.query(args.sql);
    if (args.json) return printJsonLines(rows);
    if (rows.length === 0) return out("(no rows)");
    printTable(rows, Object.keys(rows[0] ?? {}));
  } finally {
    reader.close();
  }
}
