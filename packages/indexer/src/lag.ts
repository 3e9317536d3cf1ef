import * as fs from "node:fs";
import { ledgerPaths } from "@ledger/schema";
import { type LogFile, listLogFiles } from "@ledger/writer";
import type { IndexReader } from "./reader.js";

/** How much of the log the index has not yet taken in. */
export interface IndexLag {
  bytes: number;
  /** Complete lines not yet indexed (counted when the lag is under 64 MiB, else estimated). */
  events: number;
}

const COUNT_LIMIT = 64 * 1024 * 1024;

/** Lag of `files` given what has been consumed of each (by logical name). */
export function measureLag(files: LogFile[], consumedOf: (file: string) => number | undefined): IndexLag {
  const ranges: { path: string; from: number; to: number }[] = [];
  let bytes = 0;
  for (const file of files) {
    if (file.compressed) continue; // compressed only once sealed and indexed, by retention
    const size = fs.statSync(file.path, { throwIfNoEntry: false })?.size ?? 0;
    const from = consumedOf(file.rel) ?? 0;
    if (size > from) {
      bytes += size - from;
      ranges.push({ path: file.path, from, to: size });
    }
  }
  if (bytes > COUNT_LIMIT) return { bytes, events: Math.round(bytes / 300) };
  let events = 0;
  for (const r of ranges) {
    const buf = Buffer.alloc(r.to - r.from);
    const fd = fs.openSync(r.path, "r");
    try {
      fs.readSync(fd, buf, 0, buf.length, r.from);
    } finally {
      fs.closeSync(fd);
    }
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) events++;
  }
  return { bytes, events };
}

/** What the published index lacks of the log under `root`, as a reader sees it. */
export async function indexLag(reader: IndexReader, root: string): Promise<IndexLag> {
  const consumed = await reader.checkpoints();
  return measureLag(listLogFiles(ledgerPaths(root).events), (file) => consumed.get(file));
}
