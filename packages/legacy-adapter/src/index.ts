export type { RunFilter } from "@ledger/indexer";
export { type BackfillOptions, type BackfillProgress, type BackfillReport, backfill } from "./backfill.js";
export { DualMode, type DualModeOptions, openDualMode, type RunRow, type Source } from "./dual-mode.js";
export { LegacyDatabaseError, LegacyLayoutError } from "./errors.js";
export { defaultLegacyLayout, type LegacyLayout, LegacyLayoutSchema, parseLegacyLayout } from "./layout.js";
export { legacyEventId } from "./legacy-ids.js";
export {
  type Conflict,
  type Difference,
  MISSING_FROM_INDEX,
  type Parity,
  type Unchecked,
} from "./parity.js";
export { suggestLayout } from "./suggest-layout.js";
