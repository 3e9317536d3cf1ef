import * as fs from "node:fs";
import { gzipPartChunks, type LineSink, LineSplitter } from "@ledger/writer";

const CHUNK = 4 * 1024 * 1024;

export interface ScanOptions {
  maxLineBytes: number;
  sink: LineSink;
  /** Called between chunks with the offset after the last complete line, so the caller can hand a full batch to DuckDB. */
  between?: (consumed: number) => Promise<void>;
}

/**
 * Emits the complete lines of a plain part file from byte `from` to its current end and
 * returns the offset after the last complete line.
 */
export async function scanPlain(path: string, from: number, options: ScanOptions): Promise<number> {
  const splitter = new LineSplitter(from, options.maxLineBytes, options.sink);
  const fd = fs.openSync(path, "r");
  try {
    const end = fs.fstatSync(fd).size;
    const buffer = Buffer.allocUnsafe(CHUNK);
    let pos = from;
    while (pos < end) {
      const n = fs.readSync(fd, buffer, 0, Math.min(CHUNK, end - pos), pos);
      if (n === 0) break;
      splitter.push(buffer.subarray(0, n), pos);
      pos += n;
      await options.between?.(splitter.consumed);
    }
  } finally {
    fs.closeSync(fd);
  }
  return splitter.consumed;
}

/** The same for a `.jsonl.gz` part: decompressed from the start, lines before `from` skipped. */
export async function scanGzip(path: string, from: number, options: ScanOptions): Promise<number> {
  const splitter = new LineSplitter(0, options.maxLineBytes, options.sink, from);
  let pos = 0;
  for await (const chunk of gzipPartChunks(path)) {
    splitter.push(chunk, pos);
    pos += chunk.length;
    await options.between?.(splitter.consumed);
  }
  return Math.max(splitter.consumed, from);
}
