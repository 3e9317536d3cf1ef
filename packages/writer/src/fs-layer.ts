import * as fs from "node:fs";
import { promisify } from "node:util";

/**
 * The file operations the append path uses, behind one interface so tests can inject faults
 * (ENOSPC, EIO) into exactly the call they mean to break. Everything else (listing, locks,
 * recovery) goes to `node:fs` directly.
 */
export interface WriterFs {
  /** `flags` as `fs.open` takes them: a string, or `fs.constants` or'ed together. */
  open(path: string, flags: string | number, mode: number): Promise<number>;
  /** Writes the whole buffer at the end of the file (the fd is opened `O_APPEND`). */
  write(fd: number, data: Buffer): Promise<void>;
  fdatasync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  fstat(fd: number): Promise<fs.Stats>;
}

export const nodeFs: WriterFs = {
  open: promisify(fs.open) as WriterFs["open"],
  async write(fd, data) {
    // Synchronous on purpose: a write into the page cache takes microseconds, less than the
    // thread-pool round trip an async write costs; the fdatasync that waits on the disk stays async.
    let offset = 0;
    // write(2) may write less than asked (signals, quotas); loop until all of it is down.
    while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
  },
  fdatasync: promisify(fs.fdatasync),
  ftruncate: promisify(fs.ftruncate) as WriterFs["ftruncate"],
  close: promisify(fs.close),
  fstat: promisify(fs.fstat) as WriterFs["fstat"],
};

/**
 * fsync a file or a directory by path: a directory so that a file just created, renamed or
 * removed in it survives a power loss.
 */
export function fsyncPathSync(path: string): void {
  const fd = fs.openSync(path, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes a whole string of `bytes` UTF-8 bytes at the end of an `O_APPEND` file. The string goes
 * down as it is (no Buffer copied first); only a short write, which is rare, makes one to finish.
 */
export function writeStringSync(fd: number, data: string, bytes: number): void {
  let offset = fs.writeSync(fd, data);
  if (offset >= bytes) return;
  const rest = Buffer.from(data);
  while (offset < bytes) offset += fs.writeSync(fd, rest, offset, bytes - offset);
}

export const fdatasyncSync = fs.fdatasyncSync;
