export {
  type Appended,
  type Appender,
  type AppenderHealth,
  type EventInputLike,
  type EventPosition,
  recordEmitFailure,
} from "./appender.js";
export { type ArtifactOptions, createRunDirectory, type RunDirectory } from "./artifacts.js";
export { encodeCursor, type LogCursor, logicalPart, parseCursor } from "./cursor.js";
export {
  type ArtifactFields,
  createEmitter,
  type Emitter,
  type EmitterOptions,
  type RunCompletedExtra,
  type RunCreatedExtra,
  type RunScope,
} from "./emitters.js";
export {
  CorruptPartError,
  DiskFullError,
  DuckDBMissingError,
  InvalidCursorError,
  WriteFailedError,
  WriterClosedError,
} from "./errors.js";
export { FileLock } from "./file-lock.js";
export { fsyncPathSync, nodeFs, type WriterFs } from "./fs-layer.js";
export { type GitProvenance, gitProvenance } from "./git.js";
export { gzipPartChunks } from "./gzip-part.js";
export { type LineSink, LineSplitter } from "./line-splitter.js";
export { type LogFile, listLogFiles } from "./log-files.js";
export { LogWaker } from "./log-waker.js";
export type { Durability, WriterOptions } from "./options.js";
export {
  type FollowLogOptions,
  followLog,
  type LogProblem,
  type LogRecord,
  type ReadLogOptions,
  readLog,
} from "./reader.js";
export type { RecoveryReport } from "./recovery.js";
export {
  applyRetention,
  compressPart,
  planRetention,
  type RetentionOptions,
  type RetentionPlan,
} from "./retention.js";
export { EventStamper, type Stamped, type StampOptions } from "./stamp.js";
export { openWriter, type Subscriber, Writer, type WriterHealth } from "./writer.js";
