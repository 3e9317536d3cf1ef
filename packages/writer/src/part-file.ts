import * as fs from "node:fs";
import { join, relative } from "node:path";
import { dayDirName, parsePartPath, partFilePath } from "@ledger/schema";
import { FileLock } from "./file-lock.js";
import { fsyncPathSync, type WriterFs } from "./fs-layer.js";
import { type RecoveryReport, recoverTail } from "./recovery.js";

/** A part file this writer holds the lock on and appends to. */
export interface OpenPart {
  path: string;
  /** Path relative to the events folder, as stored in positions: `day=…/part-….jsonl`. */
  relPath: string;
  day: string;
  fd: number;
  /** Bytes in the file that are known good: the next append starts here. */
  size: number;
  ino: number;
  lock: FileLock;
  /**
   * The fd was opened `O_DSYNC`: a write returns once it is as durable as an fdatasync would make
   * it, so no fdatasync need follow.
   */
  syncedWrites: boolean;
}

export interface OpenPartOptions {
  eventsDir: string;
  quarantineDir: string;
  day: string;
  rotateBytes: number;
  /** Parts the calling writer is done with (rotated, sealed after a failure, vanished). */
  retired: ReadonlySet<string>;
  fs: WriterFs;
  fileMode: number;
  dirMode: number;
  /**
   * Open the file `O_DSYNC`, so each write is durable when it returns: one system call per
   * commit instead of a write and an fdatasync, which counts when several processes share the
   * cores and each commits one event at a time.
   */
  syncedWrites: boolean;
  onRecovery: (report: RecoveryReport) => void;
}

/**
 * Opens the part file to append to for `day`. The highest-numbered part is reused when it has room
 * and no live process holds it (so one-shot `ledger emit` calls share a file); otherwise the next
 * free number is claimed. Taking over a part left by a crash first cuts its torn tail.
 */
export async function openPart(o: OpenPartOptions): Promise<OpenPart> {
  const dayDir = join(o.eventsDir, dayDirName(o.day));
  ensureDir(o.eventsDir, o.dirMode);
  ensureDir(dayDir, o.dirMode);
  const existing = listParts(dayDir);
  const highest = Math.max(0, ...existing.keys());
  const start = highest > 0 && existing.get(highest) === "plain" ? highest : highest + 1;
  for (let n = start; n < start + 10_000; n++) {
    const path = partFilePath(o.eventsDir, o.day, n);
    if (o.retired.has(path) || existing.get(n) === "gz") continue;
    const lock = FileLock.tryAcquire(path);
    if (!lock) continue;
    try {
      const before = fs.statSync(path, { throwIfNoEntry: false });
      if (before && before.size >= o.rotateBytes) {
        lock.release();
        continue;
      }
      if (before) {
        const report = recoverTail(path, o.quarantineDir);
        if (report) o.onRecovery(report);
      }
      const { O_APPEND, O_CREAT, O_DSYNC, O_WRONLY } = fs.constants;
      const flags = o.syncedWrites ? O_WRONLY | O_APPEND | O_CREAT | O_DSYNC : "a";
      const fd = await o.fs.open(path, flags, o.fileMode);
      if (!before) fsyncPathSync(dayDir);
      // An O_DSYNC write makes durable only its own bytes and the new size: lines a killed
      // writer left in the page cache are synced now, or a power loss could leave them as holes
      // before the first line this writer acknowledges.
      else if (o.syncedWrites) await o.fs.fdatasync(fd);
      const st = await o.fs.fstat(fd);
      return {
        path,
        relPath: relative(o.eventsDir, path),
        day: o.day,
        fd,
        size: st.size,
        ino: st.ino,
        lock,
        syncedWrites: o.syncedWrites,
      };
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  throw new Error(`no free part file in ${dayDir}`);
}

/** Part numbers present in a day folder, and whether each is plain or compressed. */
function listParts(dayDir: string): Map<number, "plain" | "gz"> {
  const parts = new Map<number, "plain" | "gz">();
  for (const name of fs.readdirSync(dayDir)) {
    const ref = parsePartPath(join(dayDir, name));
    if (ref) parts.set(ref.part, ref.compressed ? "gz" : "plain");
  }
  return parts;
}

function ensureDir(dir: string, mode: number): void {
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true, mode });
  fsyncPathSync(join(dir, ".."));
}

/** True when the path no longer names the file we hold open (deleted, or replaced by another). */
export function isReplaced(part: OpenPart): boolean {
  const st = fs.statSync(part.path, { throwIfNoEntry: false });
  return !st || st.ino !== part.ino;
}
