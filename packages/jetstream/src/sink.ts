import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type EventCatalogue,
  LineTooLargeError,
  SchemaValidationError,
  type StoredEvent,
} from "@ledger/schema";
import { FileLock, openWriter, type Writer, type WriterFs, type WriterHealth } from "@ledger/writer";
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { type ConnectOptions, connectNats, serverList } from "./connect.js";
import { SinkLockedError, StreamConflictError, StreamMissingError } from "./errors.js";
import { jsApi } from "./stream.js";
import { DEFAULT_STREAM } from "./subjects.js";

export interface SinkOptions extends ConnectOptions {
  /** Ledger root whose log the events land in. */
  root: string;
  /** @default "LEDGER" */
  stream?: string;
  /** The durable consumer's name: its position in the stream outlives the sink. @default "ledger-sink" */
  durable?: string;
  /**
   * Messages delivered and not yet acknowledged, at most (the consumer's `max_ack_pending`): the
   * most events one fdatasync can cover. @default 1024
   */
  maxAckPending?: number;
  /** JetStream delivers a message again after this long without its ack. @default 30000 */
  ackWaitMs?: number;
  /** Event types to accept; a message that is not a valid event is terminated, not landed. @default the core catalogue */
  catalogue?: EventCatalogue;
  /** File operations of the append path; tests inject faults here. @default node:fs */
  fs?: WriterFs;
  /** Called with every message that could not be landed (and why). */
  onError?: (error: unknown, msg: { subject: string; streamSeq: number }) => void;
}

export interface SinkHealth {
  /** Events written, fdatasync'ed and then acknowledged. */
  landed: number;
  /** Deliveries of a message JetStream had delivered before (its ack was lost or came late). */
  redeliveries: number;
  /** Messages that are not valid ledger events: terminated, never landed. */
  rejected: number;
  /** Appends that failed (the message is handed back and delivered again). */
  writeFailures: number;
  /** Delivered and not yet landed. */
  inFlight: number;
  lastError: string | undefined;
  writer: WriterHealth;
}

export interface Sink {
  /** The lock file held while the sink runs. */
  readonly lockFile: string;
  health(): SinkHealth;
  /** Stops taking messages, lands and acknowledges what it has, then lets go of the log. */
  stop(): Promise<void>;
  /** Settles when the sink has stopped: resolves after `stop()`, rejects if the consumer fails. */
  readonly done: Promise<void>;
}

/**
 * Lands a JetStream stream in the local log: a durable pull consumer with explicit acks, each
 * message appended through `@ledger/writer` in `fsync` mode and acknowledged, on its own, only
 * after the fdatasync that covers it. A crash between the two redelivers the message: the log gets
 * it at least once, and the index, which keeps one row per `event_id`, exactly once.
 * Only one sink lands into a log at a time: it holds `{root}/jetstream-sink.lock`.
 * @throws SinkLockedError (`LEDGER_SINK_LOCKED`) when another live sink holds the log
 */
export async function runSink(options: SinkOptions): Promise<Sink> {
  const stream = options.stream ?? DEFAULT_STREAM;
  const durable = options.durable ?? "ledger-sink";
  mkdirSync(options.root, { recursive: true, mode: 0o700 });
  const lockTarget = join(options.root, "jetstream-sink");
  const lock = FileLock.tryAcquire(lockTarget);
  if (!lock) throw new SinkLockedError(`${lockTarget}.lock`, FileLock.owner(lockTarget));
  let nc: NatsConnection | undefined;
  let writer: Writer | undefined;
  try {
    writer = await openWriter({
      root: options.root,
      durability: "fsync",
      ...(options.catalogue ? { catalogue: options.catalogue } : {}),
      ...(options.fs ? { fs: options.fs } : {}),
    });
    nc = await connectNats({ ...options, name: options.name ?? `ledger-sink ${durable}` });
    const connection = nc;
    const messages = await jsApi(serverList(options.servers), async () => {
      const jsm = await jetstreamManager(connection);
      await ensureConsumer(jsm, stream, durable, options, serverList(options.servers));
      const consumer = await jetstream(connection).consumers.get(stream, durable);
      return consumer.consume({ max_messages: Math.min(options.maxAckPending ?? 1024, 512) });
    });
    return landMessages(writer, connection, messages, lock, options);
  } catch (error) {
    await nc?.close();
    await writer?.close();
    lock.release();
    throw error;
  }
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  options: SinkOptions,
  servers: string,
): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_ack_pending: options.maxAckPending ?? 1024,
  };
  try {
    const info = await jsm.consumers.info(stream, durable);
    // Ack-all on a later message would acknowledge earlier ones that were delivered, never
    // landed, and lost when the stream leader changed: the sink needs one ack per message.
    if (info.config.ack_policy !== AckPolicy.Explicit) {
      throw new StreamConflictError(
        stream,
        `consumer ${durable} acks ${info.config.ack_policy}, the sink needs explicit acks`,
      );
    }
    const limits = { ack_wait: config.ack_wait!, max_ack_pending: config.max_ack_pending! };
    if (info.config.ack_wait !== limits.ack_wait || info.config.max_ack_pending !== limits.max_ack_pending) {
      await jsm.consumers.update(stream, durable, limits);
    }
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError)) throw error;
    if (error.code === JetStreamApiCodes.StreamNotFound) throw new StreamMissingError(stream, servers);
    if (error.code !== JetStreamApiCodes.ConsumerNotFound) throw error;
  }
  await jsm.consumers.add(stream, config);
}

function landMessages(
  writer: Writer,
  nc: NatsConnection,
  messages: ConsumerMessages,
  lock: FileLock,
  options: SinkOptions,
): Sink {
  const counts = { landed: 0, redeliveries: 0, rejected: 0, writeFailures: 0, inFlight: 0 };
  let lastError: string | undefined;
  const landing = new Set<Promise<void>>();

  function failed(msg: JsMsg, error: unknown): void {
    lastError = error instanceof Error ? error.message : String(error);
    options.onError?.(error, { subject: msg.subject, streamSeq: msg.info.streamSequence });
  }

  function land(msg: JsMsg): void {
    if (msg.info.redelivered) counts.redeliveries++;
    let event: StoredEvent;
    try {
      event = readEvent(msg);
    } catch (error) {
      counts.rejected++;
      failed(msg, error);
      msg.term();
      return;
    }
    counts.inFlight++;
    const done = writer.append(event).then(
      () => {
        // Acknowledged only now, after the fdatasync that covers this event.
        msg.ack();
        counts.landed++;
      },
      (error: unknown) => {
        failed(msg, error);
        if (isInvalidEvent(error)) {
          counts.rejected++;
          msg.term();
        } else {
          counts.writeFailures++;
          msg.nak(1_000);
        }
      },
    );
    const tracked = done.finally(() => {
      counts.inFlight--;
      landing.delete(tracked);
    });
    landing.add(tracked);
  }

  const consuming = (async () => {
    for await (const msg of messages) land(msg);
  })();

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= finish();
    return stopping;
  }
  async function finish(): Promise<void> {
    await messages.close().catch(() => undefined);
    await consuming.catch(() => undefined);
    await Promise.allSettled([...landing]);
    // The acks above are queued on the connection: drain sends them before it closes.
    await nc.drain().catch(() => undefined);
    await writer.close();
    lock.release();
  }

  const done = consuming.then(stop, async (error: unknown) => {
    await stop();
    throw error;
  });
  // Observed here so a consumer failure before anyone awaits `done` is not an unhandled rejection.
  done.catch(() => undefined);

  return {
    lockFile: lock.path,
    health: () => ({ ...counts, lastError, writer: writer.health() }),
    stop,
    done,
  };
}

/** The event a message carries, which its producer stamped: a message that is not one is refused. */
function readEvent(msg: JsMsg): StoredEvent {
  let value: unknown;
  try {
    value = JSON.parse(msg.string());
  } catch (error) {
    throw new SchemaValidationError(`message on ${msg.subject} is not JSON: ${(error as Error).message}`, []);
  }
  const event = value as Partial<StoredEvent> | null;
  // An unstamped event would get a new event_id at each delivery, so the index could not dedupe it.
  if (
    typeof event !== "object" ||
    event === null ||
    typeof event.event_id !== "string" ||
    typeof event.timestamp_ms !== "number" ||
    typeof event.schema_version !== "number"
  ) {
    throw new SchemaValidationError(`message on ${msg.subject} is not a stamped ledger event`, []);
  }
  return event as StoredEvent;
}

/** The event itself is at fault (delivering it again changes nothing), as opposed to the disk. */
function isInvalidEvent(error: unknown): boolean {
  return error instanceof SchemaValidationError || error instanceof LineTooLargeError;
}
