import { LedgerError } from "@ledger/schema";

/**
 * No JetStream server (or no leader for the stream) answered within the configured time: the
 * server is unreachable, restarting, or the stream's leader is being elected. The event may or may
 * not be stored; sending it again is safe, since its `event_id` is its message id.
 */
export class TransportUnavailableError extends LedgerError {
  constructor(what: string, cause?: unknown) {
    super("LEDGER_TRANSPORT_UNAVAILABLE", what, cause === undefined ? undefined : { cause });
  }
}

/** JetStream answered with a refusal that waiting will not change (e.g. a message over its size limit). */
export class PublishRejectedError extends LedgerError {
  constructor(subject: string, reason: string) {
    super("LEDGER_PUBLISH_REJECTED", `JetStream refused the message on ${subject}: ${reason}`);
  }
}

/** The stream named in the options does not exist on the server. */
export class StreamMissingError extends LedgerError {
  readonly stream: string;
  constructor(stream: string, servers: string) {
    super("LEDGER_STREAM_MISSING", `JetStream stream ${stream} does not exist on ${servers}`);
    this.stream = stream;
  }
}

/** An existing stream differs from what was asked for in a way that cannot be changed in place. */
export class StreamConflictError extends LedgerError {
  constructor(stream: string, reason: string) {
    super(
      "LEDGER_STREAM_CONFLICT",
      `JetStream stream ${stream} exists with another configuration: ${reason}`,
    );
  }
}

/** Another sink already lands events into this log. */
export class SinkLockedError extends LedgerError {
  readonly holder: { pid: number; host: string } | undefined;
  constructor(lockFile: string, holder: { pid: number; host: string } | undefined) {
    const who = holder ? `pid ${holder.pid} on ${holder.host}` : "another process";
    super("LEDGER_SINK_LOCKED", `another sink (${who}) already lands events into this log (${lockFile})`);
    this.holder = holder;
  }
}

/** A JetStream API request was refused (e.g. three replicas asked of a single server). */
export class JetStreamRefusedError extends LedgerError {
  constructor(servers: string, reason: string, cause?: unknown) {
    super("LEDGER_JETSTREAM_REFUSED", `JetStream on ${servers} refused: ${reason}`, { cause });
  }
}
