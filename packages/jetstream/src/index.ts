export { type ConnectOptions, connectNats } from "./connect.js";
export {
  JetStreamRefusedError,
  PublishRejectedError,
  SinkLockedError,
  StreamConflictError,
  StreamMissingError,
  TransportUnavailableError,
} from "./errors.js";
export { type FollowStreamOptions, followStream } from "./follow.js";
export {
  type JetStreamAppended,
  JetStreamWriter,
  type JetStreamWriterHealth,
  type JetStreamWriterOptions,
  openJetStreamWriter,
} from "./jetstream-writer.js";
export type { PubAck } from "./pub-ack.js";
export { runSink, type Sink, type SinkHealth, type SinkOptions } from "./sink.js";
export { type EnsuredStream, type EnsureStreamOptions, ensureStream } from "./stream.js";
export {
  DEFAULT_STREAM,
  DEFAULT_SUBJECT_PREFIX,
  eventSubject,
  followSubject,
  NO_RUN_TOKEN,
} from "./subjects.js";
