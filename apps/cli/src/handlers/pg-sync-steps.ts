import type { SyncReport } from "@ledger/postgres";
import { duration } from "../output/print.js";

/** Where a sync's time went, step by step: `begin 3 ms, offsets 6 ms, …`. */
export function describeSteps(report: SyncReport): string {
  return Object.entries(report.steps)
    .map(([step, ms]) => `${step} ${duration(ms)}`)
    .join(", ");
}
