import * as fs from "node:fs";
import { ledgerPaths } from "@ledger/schema";
import { gzipPartChunks, type LogFile, listLogFiles } from "@ledger/writer";
import type { IndexReader } from "./reader.js";

/** How much of the log the index has not yet taken in. */
export interface IndexLag {
  bytes: number;
  /** Complete lines not yet indexed (counted when the lag is under 64 MiB, else estimated). */
  events: number;
}

const COUNT_LIMIT = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;

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
  for (const r of ranges) events += countPlainLines(r.path, r.from, r.to);
  return { bytes, events };
}

/** Complete lines (newlines) in bytes [from, to) of a plain part, read in chunks. */
export function countPlainLines(path: string, from: number, to: number): number {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0; // deleted by retention meanwhile
    throw error;
  }
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, to - from)));
  let lines = 0;
  try {
    for (let pos = from; pos < to; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, to - pos), pos);
      if (n === 0) break;
      lines += newlines(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

/** Complete lines in a whole part, plain or gzipped. */
export async function countLines(file: LogFile, upTo = Number.POSITIVE_INFINITY): Promise<number> {
  if (!file.compressed) {
    const size = fs.statSync(file.path, { throwIfNoEntry: false })?.size ?? 0;
    return countPlainLines(file.path, 0, Math.min(size, upTo));
  }
  let lines = 0;
  try {
    for await (const chunk of gzipPartChunks(file.path)) lines += newlines(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return lines;
}

function newlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** What the published index lacks of the log under `root`, as a reader sees it. */
export async function indexLag(reader: IndexReader, root: string): Promise<IndexLag> {
  const consumed = await reader.checkpoints();
  return measureLag(listLogFiles(ledgerPaths(root).events), (file) => consumed.get(file));
}
