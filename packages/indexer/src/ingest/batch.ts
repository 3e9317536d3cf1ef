import type { EventCatalogue } from "@ledger/schema";
import type { LineSink } from "@ledger/writer";

/** A log file as a batch refers to it: its logical name and how far this batch reads it. */
export interface BatchFile {
  /** `day=YYYY-MM-DD/part-NNNNNN.jsonl`, the same name whether or not the file is compressed. */
  file: string;
  /** Offset after the last complete line this batch covers (uncompressed bytes). */
  bytes: number;
  /** Size on disk when read, so a compressed file is not decompressed again. */
  sourceBytes: number;
  compressed: boolean;
  /** What readers already have of this file: lines before it are counted as catch-up, not news. */
  publishedBytes: number;
}

/** A line whose `event_id` already appeared earlier in the same batch. */
export interface RepeatedLine {
  fileIdx: number;
  offset: number;
  eventId: string;
}

export interface QuarantinedLine {
  fileIdx: number;
  offset: number;
  length: number;
  kind: "invalid" | "too-large";
  reason: string;
  eventType: string | undefined;
}

/**
 * Lines parsed and validated in JavaScript, ready for DuckDB: the event bodies one per row, and
 * their positions and envelopes as parallel columns. Validation happens here, with the same
 * catalogue the writer uses, so the index never holds an event the writer would have refused.
 *
 * The envelope columns come from the validated object, not from DuckDB reading the body: a line
 * with a duplicate key reads differently in the two parsers (first key wins in DuckDB, last in
 * JSON.parse), and the columns the index keys on must be the ones that were checked. None of
 * them can hold a comma (ids, types and run ids have fixed alphabets), so each column crosses
 * into DuckDB as one comma-joined string.
 */
export class Batch implements LineSink {
  readonly bodies: string[] = [];
  readonly fileIdx: number[] = [];
  readonly offsets: number[] = [];
  readonly lengths: number[] = [];
  readonly files: BatchFile[] = [];
  readonly eventIds: string[] = [];
  readonly eventTypes: string[] = [];
  readonly versions: number[] = [];
  readonly runIds: string[] = [];
  readonly seqs: (number | string)[] = [];
  readonly timestamps: number[] = [];
  readonly quarantine: QuarantinedLine[] = [];
  readonly repeated: RepeatedLine[] = [];
  /** Every event type in the batch, so a database with nothing to fold in can skip its work. */
  readonly types = new Set<string>();
  readonly #seen = new Set<string>();
  bytes = 0;
  /** Smallest event id in the batch; bounds the duplicate check. */
  minEventId = "";
  #current = -1;

  constructor(private readonly catalogue: EventCatalogue) {}

  /** Lines that follow belong to this file; returns its index in `files`. */
  beginFile(file: Omit<BatchFile, "bytes">, from: number): number {
    this.files.push({ ...file, bytes: from });
    this.#current = this.files.length - 1;
    return this.#current;
  }

  /** Moves the current file's checkpoint to `bytes`. */
  advance(bytes: number): void {
    const file = this.files[this.#current];
    if (file) file.bytes = bytes;
  }

  get size(): number {
    return this.bodies.length + this.quarantine.length + this.repeated.length;
  }

  line(raw: string, offset: number, length: number): void {
    this.bytes += length;
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
      this.#reject(offset, length, "invalid", `malformed JSON: ${why}`, undefined);
      return;
    }
    const result = this.catalogue.read(value);
    if (!result.ok) {
      this.#reject(offset, length, "invalid", result.summary, result.eventType);
      return;
    }
    const event = result.event;
    if (this.#seen.has(event.event_id)) {
      this.repeated.push({ fileIdx: this.#current, offset, eventId: event.event_id });
      return;
    }
    this.#seen.add(event.event_id);
    if (this.minEventId === "" || event.event_id < this.minEventId) this.minEventId = event.event_id;
    this.bodies.push(event === value ? text : JSON.stringify(event)); // upcast: the current shape
    this.eventIds.push(event.event_id);
    this.eventTypes.push(event.event_type);
    this.types.add(event.event_type);
    this.versions.push(event.schema_version);
    // Only run-scoped types constrain run_id and seq; a global type may use the names freely.
    const runScoped = result.definition.scope === "run";
    this.runIds.push(runScoped && typeof event.run_id === "string" ? event.run_id : "");
    this.seqs.push(runScoped && typeof event.seq === "number" ? event.seq : "");
    this.timestamps.push(event.timestamp_ms);
    this.fileIdx.push(this.#current);
    this.offsets.push(offset);
    this.lengths.push(length);
  }

  tooLarge(offset: number, length: number): void {
    this.bytes += length;
    this.#reject(offset, length, "too-large", `line of ${length} bytes is over the line limit`, undefined);
  }

  #reject(
    offset: number,
    length: number,
    kind: QuarantinedLine["kind"],
    reason: string,
    eventType: string | undefined,
  ): void {
    this.quarantine.push({ fileIdx: this.#current, offset, length, kind, reason, eventType });
  }
}
