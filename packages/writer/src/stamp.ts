import {
  createEventIdFactory,
  DEFAULT_MAX_LINE_BYTES,
  defaultCatalogue,
  type EventCatalogue,
  type StoredEvent,
  serializeEvent,
} from "@ledger/schema";
import type { EventInputLike } from "./appender.js";

export interface StampOptions {
  /** Validate every event. Turn off only for trusted bulk loads. @default true */
  validate?: boolean;
  /** Longest line, newline included. @default 1 MiB */
  maxLineBytes?: number;
  /** Event types to accept. @default the core catalogue */
  catalogue?: EventCatalogue;
  /** Time source for ids and timestamps. @default Date.now */
  clock?: () => number;
}

/** An event ready to leave the process: its envelope filled and its line serialized. */
export interface Stamped {
  event: StoredEvent;
  /** The log line (JSON + `\n`); undefined for ephemeral events, which are never written. */
  line: string | undefined;
}

/**
 * Fills an event's envelope (`event_id` ULID, `timestamp_ms`, `schema_version`, and `seq` per run
 * from 1 for this stamper), validates it against the catalogue and serializes it within the line
 * limit. One stamper per writer, so every appender stamps events identically.
 */
export class EventStamper {
  readonly catalogue: EventCatalogue;
  readonly #validate: boolean;
  readonly #maxLineBytes: number;
  readonly #clock: () => number;
  readonly #nextId = createEventIdFactory();
  readonly #seq = new Map<string, number>();

  constructor(options: StampOptions = {}) {
    this.catalogue = options.catalogue ?? defaultCatalogue();
    this.#validate = options.validate ?? true;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#clock = options.clock ?? Date.now;
  }

  /** Stamps one event; a run's `seq` advances only once its event is known to be valid. */
  stamp(input: EventInputLike): Stamped {
    const event = this.#prepare(input);
    if (this.catalogue.get(event.event_type)?.ephemeral) return { event, line: undefined };
    const line = serializeEvent(event, { maxLineBytes: this.#maxLineBytes, catalogue: this.catalogue });
    this.#commitSeq(event);
    return { event, line };
  }

  /** Stamps every event or none: when one is invalid, every run's `seq` is as it was. */
  stampMany(inputs: readonly EventInputLike[]): Stamped[] {
    const seqBefore = new Map(this.#seq);
    try {
      return inputs.map((input) => this.stamp(input));
    } catch (error) {
      this.#seq.clear();
      for (const [k, v] of seqBefore) this.#seq.set(k, v);
      throw error;
    }
  }

  /**
   * Stamps the event and hands it to `send`, as an append does: a stamping error (or one thrown by
   * `send`) comes back as a rejected promise, and nothing is sent.
   */
  stampThen<T>(input: EventInputLike, send: (stamped: Stamped) => Promise<T>): Promise<T> {
    try {
      return send(this.stamp(input));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `stampThen` for a batch: every event is stamped before any is sent; one bad event sends none. */
  stampManyThen<T>(inputs: readonly EventInputLike[], send: (stamped: Stamped) => Promise<T>): Promise<T[]> {
    let stamped: Stamped[];
    try {
      stamped = this.stampMany(inputs);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.all(stamped.map(send));
  }

  #prepare(input: EventInputLike): StoredEvent {
    const ready =
      typeof input.event_id === "string" &&
      typeof input.timestamp_ms === "number" &&
      typeof input.schema_version === "number" &&
      (input.run_id === undefined || typeof input.seq === "number");
    const event = ready ? (input as StoredEvent) : this.#envelope(input);
    return this.#validate ? this.catalogue.assert(event) : event;
  }

  /**
   * A copy of the input with its envelope filled where absent (null or undefined). The envelope
   * is laid down first, in one literal, and the other fields copied after it: every event of a
   * kind then has one object shape, which validation and JSON.stringify run fast on. Spreading the
   * input and adding the envelope to it made shapes that cost several times more.
   */
  #envelope(input: EventInputLike): StoredEvent {
    const now = this.#clock();
    const type = input.event_type;
    const runId = input.run_id;
    const event: Record<string, unknown> =
      typeof runId === "string"
        ? {
            event_id: input.event_id ?? this.#nextId(now),
            event_type: type,
            schema_version: input.schema_version ?? this.catalogue.latestVersion(type) ?? 1,
            timestamp_ms: input.timestamp_ms ?? now,
            run_id: runId,
            seq: input.seq === undefined ? (this.#seq.get(runId) ?? 0) + 1 : input.seq,
          }
        : {
            event_id: input.event_id ?? this.#nextId(now),
            event_type: type,
            schema_version: input.schema_version ?? this.catalogue.latestVersion(type) ?? 1,
            timestamp_ms: input.timestamp_ms ?? now,
          };
    // for-in rather than Object.keys: no array made per event; the inputs are plain literals.
    for (const key in input) {
      if (event[key] !== undefined || !Object.hasOwn(input, key)) continue;
      // An own `__proto__` field (JSON.parse makes them) must stay a field, not become a prototype.
      if (key === "__proto__")
        Object.defineProperty(event, key, {
          value: input[key],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else event[key] = input[key];
    }
    return event as StoredEvent;
  }

  #commitSeq(event: StoredEvent): void {
    if (typeof event.run_id === "string" && typeof event.seq === "number") {
      this.#seq.set(event.run_id, Math.max(this.#seq.get(event.run_id) ?? 0, event.seq));
    }
  }
}
