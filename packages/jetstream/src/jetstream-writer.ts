import { DEFAULT_MAX_LINE_BYTES, resolveRoot, type StoredEvent } from "@ledger/schema";
import {
  type Appended,
  type Appender,
  type AppenderHealth,
  type EventInputLike,
  EventStamper,
  recordEmitFailure,
  type Stamped,
  type StampOptions,
  WriterClosedError,
} from "@ledger/writer";
import {
  createInbox,
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { type ConnectOptions, connectNats, serverList } from "./connect.js";
import { PublishRejectedError, TransportUnavailableError } from "./errors.js";
import { type PubAck, readPublishReply } from "./pub-ack.js";
import { assertStreamExists } from "./stream.js";
import { assertSubjectPrefix, DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, eventSubject } from "./subjects.js";

export interface JetStreamWriterOptions extends StampOptions, ConnectOptions {
  /**
   * Longest line, newline included; never more than the server's `max_payload` less room for
   * the headers. @default 1 MiB, or that, whichever is less
   */
  maxLineBytes?: number;
  /** The JetStream stream that stores the events (see `ensureStream`). @default "LEDGER" */
  stream?: string;
  /** First token(s) of every subject: `<prefix>.<event_type>.<run>`. @default "ledger" */
  subjectPrefix?: string;
  /**
   * Send an event again, with the same message id, when its ack has not come within this time.
   * JetStream stores it once as long as the retry falls inside the stream's duplicate window.
   * @default 2000
   */
  ackTimeoutMs?: number;
  /**
   * Longest an append waits for its ack, waiting for a slot and retries included, before it
   * rejects with `TransportUnavailableError`; also bounds the first connection. @default 30000
   */
  timeoutMs?: number;
  /**
   * Events sent and not yet acknowledged, at most. Further appends wait (each within its
   * `timeoutMs`) for a slot, so a producer facing an unreachable server holds at most this many
   * messages in the client plus the appends it has itself started and not yet seen settle.
   * @default 256
   */
  maxInFlight?: number;
  /** Ledger root on this machine, under which run directories write artifacts. @default resolveRoot() */
  root?: string;
}

/** What an append over JetStream resolves with: the event as stamped and where the stream stored it. */
export interface JetStreamAppended extends Appended {
  /** Absent for ephemeral events, which are never sent. */
  ack?: PubAck;
}

export interface JetStreamWriterHealth extends AppenderHealth {
  /** Sent and waiting for their ack. */
  inFlight: number;
  /** Waiting for a slot in the in-flight window. */
  waiting: number;
  /** Acks saying the stream already held the message: a retry of one stored before. */
  duplicates: number;
  /** Sends after the first: an ack timeout, a reply saying "not now", or a reconnect. */
  retries: number;
  connected: boolean;
  reconnects: number;
}

/** One event on its way: sent or waiting for a slot, until its ack or its deadline. */
class Outgoing {
  readonly token: string;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly event: StoredEvent;
  readonly deadline: number;
  retryAt = 0;
  attempts = 0;
  lastReason: string;
  resolve!: (a: JetStreamAppended) => void;
  reject!: (e: unknown) => void;

  constructor(
    token: string,
    subject: string,
    line: string,
    event: StoredEvent,
    deadline: number,
    reason: string,
  ) {
    this.token = token;
    this.subject = subject;
    // The line without its newline.
    this.data = Buffer.from(line.slice(0, -1));
    this.event = event;
    this.deadline = deadline;
    this.lastReason = reason;
  }
}

/** Subjects of the (event type, run) pairs seen lately: a backtest appends many events to few. */
const SUBJECT_CACHE = 1024;

/**
 * Appends events to a JetStream stream: the same surface as the local `Writer`, so emitters and
 * run directories work over it. Each event is stamped and validated as the local writer does,
 * then published with `Nats-Msg-Id` = `event_id`; `append` resolves on JetStream's publish ack.
 * Publishes share one reply subscription (`<inbox>.<token>`) instead of a request per call.
 */
export class JetStreamWriter implements Appender {
  readonly root: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly #nc: NatsConnection;
  readonly #stamper: EventStamper;
  readonly #ackTimeoutMs: number;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #inFlight = new Map<string, Outgoing>();
  #waiting: Outgoing[] = [];
  #nextToken = 0;
  /** Built once and reused: `publish` encodes the headers before it returns. */
  readonly #headers: MsgHdrs;
  readonly #subjects = new Map<string, string>();
  /**
   * The append being created, whose resolvers the one shared promise executor stores: no closure
   * per append on a path taken tens of thousands of times a second.
   */
  #creating: Outgoing | undefined;
  readonly #capture = (resolve: (a: JetStreamAppended) => void, reject: (e: unknown) => void) => {
    const out = this.#creating!;
    out.resolve = resolve;
    out.reject = reject;
  };
  #sweeper: NodeJS.Timeout | undefined;
  readonly #tickMs: number;
  #connected = true;
  #closed = false;
  #idle: (() => void) | undefined;
  readonly #health: Omit<JetStreamWriterHealth, "inFlight" | "waiting" | "connected">;

  /** @internal use `openJetStreamWriter` */
  constructor(nc: NatsConnection, options: JetStreamWriterOptions) {
    this.#nc = nc;
    this.root = options.root ?? resolveRoot();
    this.stream = options.stream ?? DEFAULT_STREAM;
    this.subjectPrefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    // A message over the server's max_payload (headers included) would be refused after the
    // fact; as the line limit, it makes a truncatable field be cut to fit instead.
    const maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_LINE_BYTES;
    const headerRoom = 256 + this.stream.length;
    this.#stamper = new EventStamper({
      ...options,
      maxLineBytes: Math.min(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, maxPayload - headerRoom),
    });
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 2_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 256);
    this.#tickMs = Math.min(100, Math.max(5, Math.min(this.#ackTimeoutMs, this.#timeoutMs) / 4));
    this.#health = {
      appended: 0,
      failedAppends: 0,
      degraded: false,
      emitFailures: 0,
      lastError: undefined,
      duplicates: 0,
      retries: 0,
      reconnects: 0,
    };
    this.#headers = headers();
    // The server refuses to store a message in any other stream that happens to take the subject.
    this.#headers.set("Nats-Expected-Stream", this.stream);
    this.#inbox = createInbox();
    this.#sub = nc.subscribe(`${this.#inbox}.*`, {
      callback: (error, msg) => {
        if (!error) this.#onReply(msg);
      },
    });
    // The status stream ends when the connection closes; nothing it could throw concerns an append.
    this.#watchConnection().catch(() => undefined);
  }

  /**
   * Stamps and validates the event, publishes it, and resolves once JetStream has acknowledged
   * storing it. An invalid event rejects with the schema error and nothing is sent; no ack within
   * `timeoutMs` rejects with `TransportUnavailableError`.
   */
  append(input: EventInputLike): Promise<JetStreamAppended> {
    if (this.#closed) return Promise.reject(new WriterClosedError());
    return this.#stamper.stampThen(input, (stamped) => this.#enqueue(stamped));
  }

  /**
   * Validates every event first, so one bad event rejects the call and sends none. If the call
   * rejects later (no ack in time), some of its events may be stored: appending them again is
   * safe, since each keeps its `event_id`.
   */
  appendMany(inputs: readonly EventInputLike[]): Promise<JetStreamAppended[]> {
    if (this.#closed) return Promise.reject(new WriterClosedError());
    return this.#stamper.stampManyThen(inputs, (stamped) => this.#enqueue(stamped));
  }

  /** Waits for every append in flight to settle (each within its `timeoutMs`), then disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inFlight.size + this.#waiting.length > 0) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    }
    this.#sub.unsubscribe();
    await this.#nc.close();
  }

  health(): JetStreamWriterHealth {
    return {
      ...this.#health,
      inFlight: this.#inFlight.size,
      waiting: this.#waiting.length,
      connected: this.#connected,
    };
  }

  /** @internal used by emitters in non-throwing mode */
  markDegraded(error: unknown): void {
    recordEmitFailure(this.#health, error);
  }

  #enqueue({ event, line }: Stamped): Promise<JetStreamAppended> {
    if (line === undefined) return Promise.resolve({ event });
    const out = new Outgoing(
      (this.#nextToken++).toString(36),
      this.#subject(event),
      line,
      event,
      Date.now() + this.#timeoutMs,
      this.#connected ? "no ack yet" : "disconnected from NATS",
    );
    this.#creating = out;
    const promise = new Promise<JetStreamAppended>(this.#capture);
    this.#creating = undefined;
    if (this.#inFlight.size < this.#maxInFlight) this.#send(out);
    else {
      out.lastReason = `waiting for one of ${this.#maxInFlight} in-flight slots`;
      this.#waiting.push(out);
    }
    this.#sweeper ??= setInterval(() => this.#sweep(), this.#tickMs);
    return promise;
  }

  #subject(event: StoredEvent): string {
    const key = typeof event.run_id === "string" ? `${event.event_type} ${event.run_id}` : event.event_type;
    let subject = this.#subjects.get(key);
    if (subject === undefined) {
      if (this.#subjects.size >= SUBJECT_CACHE) this.#subjects.clear();
      subject = eventSubject(this.subjectPrefix, event);
      this.#subjects.set(key, subject);
    }
    return subject;
  }

  #send(out: Outgoing): void {
    this.#inFlight.set(out.token, out);
    if (out.attempts++ > 0) this.#health.retries++;
    out.retryAt = Date.now() + this.#ackTimeoutMs;
    this.#headers.set("Nats-Msg-Id", out.event.event_id);
    try {
      this.#nc.publish(out.subject, out.data, {
        reply: `${this.#inbox}.${out.token}`,
        headers: this.#headers,
      });
    } catch (error) {
      out.lastReason = error instanceof Error ? error.message : String(error);
    }
  }

  #onReply(msg: Msg): void {
    const out = this.#inFlight.get(msg.subject.slice(this.#inbox.length + 1));
    if (!out) return; // a late ack for an append already settled by an earlier one
    const reply = readPublishReply(msg);
    if (reply.kind === "ack") {
      if (reply.ack.stream !== this.stream) {
        const reason = `stored in stream ${reply.ack.stream}, not ${this.stream}`;
        this.#settle(out, new PublishRejectedError(out.subject, reason));
        return;
      }
      this.#health.appended++;
      if (reply.ack.duplicate) this.#health.duplicates++;
      this.#settle(out, undefined, reply.ack);
    } else if (reply.kind === "retry") {
      out.lastReason = reply.reason;
      // No stream or leader listens right now (one is being elected): ask again soon, not at once.
      out.retryAt = Math.min(out.retryAt, Date.now() + Math.min(this.#ackTimeoutMs, 25 * 2 ** out.attempts));
    } else {
      this.#settle(out, new PublishRejectedError(out.subject, reply.reason));
    }
  }

  #settle(out: Outgoing, error: Error | undefined, ack?: PubAck): void {
    this.#inFlight.delete(out.token);
    if (error) {
      this.#health.failedAppends++;
      this.#health.lastError = error.message;
      out.reject(error);
    } else out.resolve(ack ? { event: out.event, ack } : { event: out.event });
    while (this.#inFlight.size < this.#maxInFlight && this.#waiting.length > 0)
      this.#send(this.#waiting.shift()!);
    if (this.#inFlight.size + this.#waiting.length === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      this.#idle?.();
    }
  }

  #sweep(): void {
    const now = Date.now();
    if (this.#waiting.some((w) => now >= w.deadline)) {
      const expired = this.#waiting.filter((w) => now >= w.deadline);
      this.#waiting = this.#waiting.filter((w) => now < w.deadline);
      for (const w of expired) this.#expire(w);
    }
    for (const out of this.#inFlight.values()) {
      if (now >= out.deadline) this.#expire(out);
      else if (now >= out.retryAt && this.#connected) this.#send(out);
    }
  }

  #expire(out: Outgoing): void {
    const error = new TransportUnavailableError(
      `no publish ack from JetStream stream ${this.stream} for ${out.event.event_type} ${out.event.event_id} within ${this.#timeoutMs} ms (${out.lastReason})`,
    );
    // A waiting append was never in the map; settling it still frees nothing but counts it.
    this.#settle(out, error);
  }

  async #watchConnection(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "disconnect") {
        this.#connected = false;
        for (const out of this.#inFlight.values()) out.lastReason = "disconnected from NATS";
      } else if (status.type === "reconnect") {
        this.#connected = true;
        this.#health.reconnects++;
        // What was sent on the old connection may never have reached the server: send it again
        // now (the message id makes a second copy harmless).
        for (const out of this.#inFlight.values()) out.retryAt = 0;
      }
    }
  }
}

/**
 * Connects to NATS, checks that the stream exists, and returns a writer that appends to it.
 * @throws TransportUnavailableError (`LEDGER_TRANSPORT_UNAVAILABLE`) when no server answers within `timeoutMs`
 * @throws StreamMissingError (`LEDGER_STREAM_MISSING`) when the stream does not exist
 */
export async function openJetStreamWriter(options: JetStreamWriterOptions): Promise<JetStreamWriter> {
  assertSubjectPrefix(options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX);
  const nc = await connectNats({
    ...options,
    connectTimeoutMs: options.connectTimeoutMs ?? options.timeoutMs ?? 30_000,
  });
  try {
    await assertStreamExists(nc, options.stream ?? DEFAULT_STREAM, serverList(options.servers));
  } catch (error) {
    await nc.close();
    throw error;
  }
  return new JetStreamWriter(nc, options);
}
