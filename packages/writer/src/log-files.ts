import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseDayDirName, parsePartPath } from "@ledger/schema";

export interface LogFile {
  path: string;
  /** Relative to the events folder. */
  rel: string;
  /** `rel` without `.gz`: the name the part keeps before and after retention compresses it. */
  logicalRel: string;
  day: string;
  part: number;
  compressed: boolean;
}

/**
 * Part files of the days in [fromDay, toDay] (inclusive, either open), in log order: by day, then
 * part number. When a part exists both plain and compressed (retention is mid-way), the plain one
 * is listed: it is complete until the moment it is deleted.
 */
export function listLogFiles(eventsDir: string, fromDay?: string, toDay?: string): LogFile[] {
  let days: string[];
  try {
    days = readdirSync(eventsDir)
      .filter((name) => {
        const day = parseDayDirName(name);
        return day !== undefined && (!fromDay || day >= fromDay) && (!toDay || day <= toDay);
      })
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files: LogFile[] = [];
  for (const dayDir of days) {
    const byPart = new Map<number, LogFile>();
    for (const name of readdirSync(join(eventsDir, dayDir))) {
      const path = join(eventsDir, dayDir, name);
      const ref = parsePartPath(path);
      if (!ref) continue;
      const seen = byPart.get(ref.part);
      if (seen && !seen.compressed) continue;
      const rel = `${dayDir}/${name}`;
      byPart.set(ref.part, { path, rel, logicalRel: ref.compressed ? rel.slice(0, -3) : rel, ...ref });
    }
    files.push(...[...byPart.values()].sort((a, b) => a.part - b.part));
  }
  return files;
}

/** Size of a file, or undefined once it is gone (compressed or deleted by retention). */
export function sizeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}
