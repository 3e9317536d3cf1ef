import { alerts } from "./alerts.js";
import { artifactsCatalog, runPointers } from "./catalog.js";
import type { Projection } from "./define.js";
import { baselineResults, phaseTimings, runsD, runsStatus, runViews, trialResults } from "./runs.js";

/**
 * Every table and view of the index as ledger ships it, in `runs.duckdb`, `catalog.duckdb` and
 * `alerts.duckdb`. Pass `[...coreProjections, yours]` to add a table.
 */
export const coreProjections: readonly Projection[] = [
  runsD,
  runsStatus,
  phaseTimings,
  trialResults,
  baselineResults,
  runViews,
  artifactsCatalog,
  runPointers,
  alerts,
];
