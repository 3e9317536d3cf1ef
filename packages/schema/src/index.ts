// Re-exported so users can declare their own event types without pinning TypeBox themselves.
export { type Static, Type } from "@sinclair/typebox";
export { createCatalogue, EventCatalogue, type StoredEvent, type ValidationResult } from "./catalogue.js";
export {
  CatalogueError,
  firstLine,
  InvalidIdentifierError,
  LedgerError,
  LineTooLargeError,
  SchemaValidationError,
  UnknownEventTypeError,
  type ValidationIssue,
} from "./errors.js";
export {
  createEventIdFactory,
  EVENT_ID_PATTERN,
  type EventIdFactory,
  eventIdTime,
  newEventId,
} from "./event-id.js";
export { AlertIngested } from "./events/alert.js";
export { ArtifactCreated } from "./events/artifact.js";
export {
  type AlertIngestedEvent,
  type ArtifactCreatedEvent,
  alertIngested,
  artifactCreated,
  type BaselineCompletedEvent,
  baselineCompleted,
  type CoreEvent,
  type CoreEventMap,
  type CoreEventType,
  coreEventDefinitions,
  createEvent,
  isEventType,
  type PhaseCompletedEvent,
  type PhaseStartedEvent,
  phaseCompleted,
  phaseStarted,
  type RunCompletedEvent,
  type RunCreatedEvent,
  type RunStartedEvent,
  runCompleted,
  runCreated,
  runStarted,
  type TrialRecordedEvent,
  trialRecorded,
} from "./events/core.js";
export {
  type DefineEventOptions,
  defineEvent,
  type EventDefinition,
  type EventInput,
  type EventOf,
  type EventScope,
  type Upcaster,
} from "./events/define.js";
export { PhaseCompleted, PhaseStarted } from "./events/phase.js";
export { BaselineCompleted, TrialRecorded } from "./events/results.js";
export { GitProvenance, RunCompleted, RunCreated, RunStarted, RunStatus } from "./events/run.js";
export { canonicalJson, catalogueJsonSchema, writeCatalogueSchema } from "./export-schema.js";
export { type EventField, eventFields } from "./fields.js";
export {
  assertSafeId,
  isSafeId,
  isSafeRelativePath,
  MAX_ID_LENGTH,
  resolveInside,
  SAFE_ID_PATTERN,
  SAFE_RELATIVE_PATH_PATTERN,
} from "./identifiers.js";
export {
  DEFAULT_ROOT,
  dayDirName,
  isDay,
  type LedgerPaths,
  ledgerPaths,
  type PartFileRef,
  parseDayDirName,
  parsePartPath,
  partFileName,
  partFilePath,
  resolveRoot,
  runArtifactsDir,
  utcDay,
} from "./layout.js";
export {
  DEFAULT_MAX_LINE_BYTES,
  type ParsedLine,
  type ParseLineOptions,
  parseEventLine,
  type SerializeOptions,
  serializeEvent,
  TRUNCATION_PREVIEW_BYTES,
  type TruncationMarker,
} from "./line.js";
export { eventCheckSql, eventCheckSteps, re2Pattern } from "./sql-checks.js";
export { sqlIdent, sqlString } from "./sql-text.js";
export { assertEvent, defaultCatalogue, type ValidateOptions, validateEvent } from "./validate.js";
