import { type IndexReader, newestCheckpoint, verifyCheckpoint } from "@ledger/indexer";
import { ledgerPaths } from "@ledger/schema";
import type { LogFile } from "@ledger/writer";
import type { Check } from "./doctor-checks.js";

/**
 * Parts the index took in that are gone from the log (deleted by retention) survive a full
 * rebuild only through the newest retention checkpoint: it must be there, intact, and hold them.
 */
export async function retentionCheckpoints(
  root: string,
  reader: IndexReader,
  files: LogFile[],
): Promise<Check> {
  const name = "retention checkpoints";
  let taken: Map<string, number>;
  try {
    taken = await reader.checkpoints();
  } catch (error) {
    return { name, ok: false, detail: `cannot tell, the index is unreadable: ${(error as Error).message}` };
  }
  const present = new Set(files.map((f) => f.logicalRel));
  const gone = [...taken.keys()].filter((file) => !present.has(file));
  const indexDir = ledgerPaths(root).index;
  let newest: ReturnType<typeof newestCheckpoint>;
  try {
    newest = newestCheckpoint(indexDir);
    if (newest) await verifyCheckpoint(indexDir, newest.name);
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message };
  }
  if (!newest)
    return gone.length === 0
      ? { name, ok: true, detail: "no part of the log was deleted; none needed" }
      : {
          name,
          ok: false,
          detail: `${gone.length} deleted part files are in no checkpoint: a full rebuild would lose their runs`,
          items: gone,
        };
  const uncovered = gone.filter((file) => newest.covers[file] === undefined);
  const days = new Set(uncovered.map((file) => file.split("/")[0]));
  return {
    name,
    ok: uncovered.length === 0,
    detail:
      uncovered.length === 0
        ? `${newest.name} is intact and holds every deleted day (${newest.deletedDays.length})`
        : `${uncovered.length} deleted part files (${[...days].join(", ")}) are not in checkpoint ${newest.name}`,
    items: uncovered,
  };
}
