import * as fs from "node:fs";
import { gzipPartChunks } from "@ledger/writer";

/** Bytes of a part file that end at a newline, and where they start (uncompressed offsets). */
export interface TextChunk {
  start: number;
  bytes: Buffer;
  /** Set on a last, empty chunk when a line too long to hold stopped the reading at `start`. */
  stopped?: true;
}

/**
 * The complete lines of a part file from `from` on, in chunks of about `size` bytes that each
 * end at a newline; bytes after the last newline (an unfinished append) are never yielded. A
 * line longer than `size` makes a chunk as long as the line, up to `limit` bytes of it: then
 * the rest of the file is left to the caller, who learns where from `end` of the last chunk.
 */
export async function* textChunks(
  path: string,
  compressed: boolean,
  from: number,
  size: number,
  limit: number,
): AsyncGenerator<TextChunk, void, undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let start = compressed ? 0 : from;
  const source = compressed
    ? gzipPartChunks(path)
    : (fs.createReadStream(path, { start: from, highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<Buffer>);
  for await (const piece of source) {
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes < size) continue;
    const all = Buffer.concat(pending, pendingBytes);
    const cut = all.lastIndexOf(10) + 1;
    if (cut === 0) {
      if (pendingBytes > limit) {
        yield { start: Math.max(start, from), bytes: Buffer.alloc(0), stopped: true };
        return;
      }
      pending = [all];
      continue;
    }
    const chunk = skipBefore({ start, bytes: all.subarray(0, cut) }, from);
    if (chunk) yield chunk;
    start += cut;
    pending = [all.subarray(cut)];
    pendingBytes = all.length - cut;
  }
  const rest = Buffer.concat(pending, pendingBytes);
  const cut = rest.lastIndexOf(10) + 1;
  const chunk = cut > 0 ? skipBefore({ start, bytes: rest.subarray(0, cut) }, from) : undefined;
  if (chunk) yield chunk;
}

/** A gzipped part is read from its start: lines before `from` (a line boundary) are dropped. */
function skipBefore(chunk: TextChunk, from: number): TextChunk | undefined {
  const end = chunk.start + chunk.bytes.length;
  if (end <= from) return undefined;
  if (chunk.start >= from) return chunk;
  return { start: from, bytes: chunk.bytes.subarray(from - chunk.start) };
}
