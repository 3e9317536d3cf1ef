export { type DaemonOptions, runDaemon } from "./daemon.js";
export {
  IndexCheckError,
  IndexerLockedError,
  IndexerOptionError,
  IndexMissingError,
  IndexQueryError,
  IndexWriteError,
  ProjectionError,
  RetentionCheckpointError,
} from "./errors.js";
export { type DaemonHealth, healthPath, type MirrorHealth, readHealth, writeHealth } from "./health.js";
export { Indexer, openIndexer } from "./indexer.js";
export { type IndexLag, indexLag, measureLag } from "./lag.js";
export type { IndexerOptions, IngestProgress, IngestReport } from "./options.js";
export { alerts } from "./projections/alerts.js";
export { artifactsCatalog, runPointers } from "./projections/catalog.js";
export { coreProjections } from "./projections/core.js";
export {
  defineProjection,
  INDEX_DATABASES,
  type IndexDatabase,
  type Projection,
} from "./projections/define.js";
export {
  baselineResults,
  phaseTimings,
  runsD,
  runsStatus,
  runViews,
  trialResults,
} from "./projections/runs.js";
export { type IndexHealth, indexHealth } from "./read/health.js";
export { indexSql } from "./read/index-sql.js";
export {
  type IndexOffsets,
  type RunRecord,
  type RunRecords,
  type RunRecordsSql,
  runRecords,
  runRecordsSql,
  runsChangedSince,
} from "./read/run-changes.js";
export {
  RUN_SORT_KEYS,
  RUN_STATUSES,
  type RunFilter,
  type RunSortKey,
  runFilterSql,
} from "./read/run-filter.js";
export {
  type ArtifactEntry,
  bestTrials,
  listRuns,
  type PhaseTiming,
  type RunDetail,
  type RunListItem,
  type RunSummary,
  runDetail,
  runStart,
  runTrials,
  type TrialRow,
} from "./read/runs.js";
export { runTrialColumns, runTrialColumnsJson, type TrialColumns } from "./read/trial-columns.js";
export type { Row } from "./read/typed-rows.js";
export { IndexReader, type IndexReaderOptions, openIndexReader } from "./reader.js";
export {
  listCheckpoints,
  newestCheckpoint,
  type RetentionCheckpoint,
  verifyCheckpoint,
} from "./store/retention-checkpoint.js";
