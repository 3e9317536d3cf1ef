import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { ledgerPaths, parseDayDirName, utcDay } from "@ledger/schema";
import { FileLock } from "./file-lock.js";
import { fsyncPathSync } from "./fs-layer.js";
import { type LogFile, listLogFiles } from "./log-files.js";

export interface RetentionOptions {
  root: string;
  /** Days older than this (ms) are gzipped, once no writer holds any of their parts. */
  compressAfterMs?: number;
  /** Days older than this (ms) are deleted. */
  deleteAfterMs?: number;
  /** @default Date.now() */
  now?: number;
}

export interface RetentionPlan {
  compress: LogFile[];
  /** `day=YYYY-MM-DD` folders to delete. */
  delete: string[];
  /** Parts left alone because a live writer holds them. */
  busy: LogFile[];
}

function dayEnd(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) + 86_400_000;
}

/** What retention would do now; nothing is changed. Today's partition is never touched. */
export function planRetention(options: RetentionOptions): RetentionPlan {
  const now = options.now ?? Date.now();
  const today = utcDay(now);
  const events = ledgerPaths(options.root).events;
  const plan: RetentionPlan = { compress: [], delete: [], busy: [] };
  let days: string[] = [];
  try {
    days = readdirSync(events).filter((n) => parseDayDirName(n) !== undefined);
  } catch {
    return plan;
  }
  for (const dir of days.sort()) {
    const day = parseDayDirName(dir)!;
    if (day >= today) continue;
    const age = now - dayEnd(day);
    if (options.deleteAfterMs !== undefined && age >= options.deleteAfterMs) {
      plan.delete.push(dir);
      continue;
    }
    if (options.compressAfterMs === undefined || age < options.compressAfterMs) continue;
    for (const file of listLogFiles(events, day, day)) {
      if (file.compressed) continue;
      if (FileLock.isHeld(file.path)) plan.busy.push(file);
      else plan.compress.push(file);
    }
  }
  return plan;
}

/**
 * Gzips one sealed part beside itself (`.jsonl.gz`, fsynced, then renamed into place) and only
 * then removes the plain file. Readers list the plain file while both exist, so at every moment
 * a reader finds the part complete in one form or the other.
 */
export async function compressPart(file: LogFile): Promise<void> {
  const gz = `${file.path}.gz`;
  const tmp = `${gz}.tmp`;
  await pipeline(
    createReadStream(file.path),
    createGzip(),
    createWriteStream(tmp, { mode: statSync(file.path).mode & 0o777 }),
  );
  fsyncPathSync(tmp);
  renameSync(tmp, gz);
  fsyncPathSync(join(file.path, ".."));
  rmSync(file.path);
  fsyncPathSync(join(file.path, ".."));
}

/** Carries out a plan: compress, then delete expired days. */
export async function applyRetention(
  root: string,
  plan: RetentionPlan,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const total = plan.compress.length + plan.delete.length;
  let done = 0;
  for (const file of plan.compress) {
    if (existsSync(file.path)) await compressPart(file);
    onProgress?.(++done, total);
  }
  const events = ledgerPaths(root).events;
  for (const dir of plan.delete) {
    rmSync(join(events, dir), { recursive: true, force: true });
    onProgress?.(++done, total);
  }
  if (plan.delete.length > 0) fsyncPathSync(events);
}
