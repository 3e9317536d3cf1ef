export { type BackfillOptions, type BackfillProgress, type BackfillReport, backfill } from "./backfill.js";
export {
  type Conflict,
  type Difference,
  DualMode,
  type DualModeOptions,
  MISSING_FROM_INDEX,
  openDualMode,
  type RunFilter,
  type RunRow,
  type Source,
} from "./dual-mode.js";
export { LegacyDatabaseError, LegacyLayoutError } from "./errors.js";
export { defaultLegacyLayout, type LegacyLayout } from "./layout.js";
export { legacyEventId } from "./legacy-ids.js";
