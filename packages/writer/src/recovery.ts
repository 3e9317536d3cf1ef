import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsyncPathSync } from "./fs-layer.js";

/** What recovery did to a part file left behind by a crashed writer. */
export interface RecoveryReport {
  file: string;
  /** Byte offset the file was truncated to: everything before it is untouched. */
  offset: number;
  /** Bytes moved to quarantine. */
  bytes: number;
  quarantineFile: string;
}

const WINDOW = 64 * 1024;

/**
 * Removes a torn tail from a part file the caller holds the lock on: bytes after the last newline,
 * and a last line that does not parse. They are copied (and fsynced) to `quarantineDir` before the
 * file is truncated, so nothing is ever lost, only moved. Returns undefined when the file is clean.
 */
export function recoverTail(file: string, quarantineDir: string): RecoveryReport | undefined {
  const fd = fs.openSync(file, "r+");
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return undefined;
    let cut = cleanEnd(fd, size);
    if (cut === size) return undefined;
    cut = Math.max(0, cut);
    const torn = Buffer.alloc(size - cut);
    fs.readSync(fd, torn, 0, torn.length, cut);
    fs.mkdirSync(quarantineDir, { recursive: true, mode: 0o700 });
    const day = basename(dirname(file));
    const quarantineFile = join(quarantineDir, `${day}.${basename(file)}.${cut}.${Date.now()}.torn`);
    fs.writeFileSync(quarantineFile, torn, { mode: 0o600, flush: true });
    fsyncPathSync(quarantineDir);
    fs.ftruncateSync(fd, cut);
    fs.fsyncSync(fd);
    return { file, offset: cut, bytes: torn.length, quarantineFile };
  } finally {
    fs.closeSync(fd);
  }
}

/** Offset just past the last complete line that parses as JSON (0 if there is none). */
function cleanEnd(fd: number, size: number): number {
  const last = lastNewlineBefore(fd, size);
  if (last < 0) return 0;
  const prev = lastNewlineBefore(fd, last);
  const lineStart = prev + 1;
  const line = Buffer.alloc(last - lineStart);
  fs.readSync(fd, line, 0, line.length, lineStart);
  try {
    JSON.parse(line.toString("utf8"));
    return last + 1;
  } catch {
    return lineStart;
  }
}

/** Position of the last `\n` strictly before `end`, or -1. Reads backwards in windows. */
function lastNewlineBefore(fd: number, end: number): number {
  const buf = Buffer.alloc(WINDOW);
  let pos = end;
  while (pos > 0) {
    const start = Math.max(0, pos - WINDOW);
    const n = fs.readSync(fd, buf, 0, pos - start, start);
    const i = buf.subarray(0, n).lastIndexOf(10);
    if (i >= 0) return start + i;
    pos = start;
  }
  return -1;
}
