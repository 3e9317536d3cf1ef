import * as fs from "node:fs";
import type { LogFile } from "@ledger/writer";
import type { Checkpoints } from "../store/checkpoints.js";
import type { HandoffLine } from "./handoff.js";

/** Bytes of one file to read in this round, from `from` to its end (`size` on disk). */
export interface ScanWork {
  file: LogFile;
  from: number;
  size: number;
}

/** Lines of one plain file that lagging databases need from before `to`, where the scan starts. */
export interface CatchUp {
  file: LogFile;
  lines: HandoffLine[];
  to: number;
  /** Size on disk when planned. */
  size: number;
}

/**
 * What a round reads: each file from the runs database's checkpoint on (it is written every
 * round), plus the handed-off lines the other databases lack. A compressed part cannot be read
 * by byte range, so it is read whole again, from the first line any database still needs, or
 * to record that the runs database took it in compressed.
 */
export function planRound(
  files: readonly LogFile[],
  runs: Checkpoints,
  handoff: ReadonlyMap<string, HandoffLine[]>,
): { work: ScanWork[]; catchUp: CatchUp[] } {
  const work: ScanWork[] = [];
  const catchUp: CatchUp[] = [];
  for (const file of files) {
    const size = fs.statSync(file.path, { throwIfNoEntry: false })?.size;
    if (size === undefined) continue; // deleted since it was listed
    const point = runs.get(file.logicalRel);
    const lines = handoff.get(file.logicalRel);
    if (!file.compressed) {
      if (lines) catchUp.push({ file, lines, to: point?.bytes ?? 0, size });
      if (size > (point?.bytes ?? 0)) work.push({ file, from: point?.bytes ?? 0, size });
      continue;
    }
    const runsDone = point?.compressed && point.sourceBytes === size;
    const from = Math.min(
      runsDone ? Number.POSITIVE_INFINITY : (point?.bytes ?? 0),
      lines?.[0]?.offset ?? Number.POSITIVE_INFINITY,
    );
    if (from !== Number.POSITIVE_INFINITY) work.push({ file, from, size });
  }
  return { work, catchUp };
}
