import type { MirrorHealth } from "@ledger/indexer";

/** What `ledger daemon --pg` tells its mirror's process. */
export type ToMirror =
  | { type: "start"; url: string; root: string; verbose: boolean }
  /** The daemon published: sync now. */
  | { type: "wake" };

/** What the mirror's process tells the daemon: its lag, when it changes and every 10 s otherwise. */
export type FromMirror = { type: "health"; health: MirrorHealth };
