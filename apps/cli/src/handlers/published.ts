import { openIndexReader } from "@ledger/indexer";

/** Bytes of each log file the published index has taken in (empty when there is no index). */
export async function publishedCheckpoints(root: string): Promise<Map<string, number>> {
  const reader = openIndexReader({ root });
  const map = new Map<string, number>();
  if (!reader.exists()) return map;
  try {
    for (const row of await reader.query("SELECT file, bytes FROM ingest_checkpoints")) {
      map.set(String(row.file), Number(row.bytes));
    }
  } finally {
    reader.close();
  }
  return map;
}
