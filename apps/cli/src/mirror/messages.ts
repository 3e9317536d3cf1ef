import type { MirrorHealth } from "@ledger/indexer";

/** What `ledger daemon --pg` tells its mirror's process. */
export type ToMirror =
  | { type: "start"; url: string; root: string; verbose: boolean }
  /** The daemon published: sync now. */
  | { type: "wake" };

/** What the mirror's process tells the daemon: its lag, after each sync or failure and every second. */
export type FromMirror = { type: "health"; health: MirrorHealth };
