import * as fs from "node:fs";
import { join } from "node:path";
import { ledgerPaths } from "@ledger/schema";
import type { IngestReport } from "./options.js";

/** What a running daemon reports about itself, in `index/daemon.json`. */
export interface DaemonHealth {
  pid: number;
  state: "starting" | "running" | "stopped" | "failed";
  startedMs: number;
  /** End of the last round that published, or undefined before the first. */
  lastIngestMs?: number;
  lastReport?: IngestReport;
  lag: { bytes: number; events: number };
  /** Lines in the quarantine table, summed over the daemon's rounds. */
  quarantined: number;
  events: number;
  rounds: number;
  /** The most recent errors, newest last (at most 10). */
  errors: { atMs: number; message: string }[];
  updatedMs: number;
  /** The PostgreSQL mirror run alongside (`ledger daemon --pg`); absent without one. */
  postgres?: MirrorHealth;
}

/** How far a mirror kept by the daemon's process is behind the log. */
export interface MirrorHealth {
  /** Where it mirrors to, without credentials. */
  target: string;
  /** Complete lines of the log it does not hold yet; null until it was first reached. */
  events: number | null;
  bytes: number | null;
  /** Age of the oldest event it does not hold yet (0 when it holds the whole log). */
  seconds: number | null;
  /** When its last sync that moved its checkpoint committed, ISO 8601. */
  syncedAt: string | null;
  /** When the figures above were measured. */
  measuredMs: number;
  /** Why its latest attempt failed; absent after a success. */
  error?: string;
}

export function healthPath(root: string): string {
  return join(ledgerPaths(root).index, "daemon.json");
}

/** Written whole to a temporary name, then renamed: a reader never sees half a file. */
export function writeHealth(root: string, health: DaemonHealth): void {
  const path = healthPath(root);
  const tmp = `${path}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(health, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, path);
}

/**
 * The daemon's last report, with `alive` telling whether its process still runs; undefined when
 * no daemon ever ran under this root.
 */
export function readHealth(root: string): (DaemonHealth & { alive: boolean }) | undefined {
  let health: DaemonHealth;
  try {
    health = JSON.parse(fs.readFileSync(healthPath(root), "utf8")) as DaemonHealth;
  } catch {
    return undefined;
  }
  let alive = health.state === "running" || health.state === "starting";
  if (alive) {
    try {
      process.kill(health.pid, 0);
    } catch {
      alive = false;
    }
  }
  return { ...health, alive };
}
