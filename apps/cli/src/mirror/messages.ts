import type { MirrorHealth } from "@ledger/indexer";
import type { PgSyncLag } from "@ledger/postgres";

/** What `ledger daemon --pg` tells its mirror's process. */
export type ToMirror =
  | { type: "start"; url: string; root: string; verbose: boolean }
  /** The daemon published: sync now. */
  | { type: "wake" };

/** What the mirror's process tells the daemon: its lag, when it changes and every 10 s otherwise. */
export type FromMirror = { type: "health"; health: MirrorHealth };

/** The mirror's figures for the health file: its lag as `lag` measured it, or unknown. */
export function mirrorHealth(target: string, lag?: PgSyncLag, error?: string): MirrorHealth {
  return {
    target,
    events: lag?.events ?? null,
    bytes: lag?.bytes ?? null,
    seconds: lag?.seconds ?? null,
    syncedAt: lag?.syncedAt ?? null,
    measuredMs: Date.now(),
    ...(error ? { error } : {}),
  };
}
