import { mkdirSync, rmSync } from "node:fs";
import {
  DEFAULT_MAX_LINE_BYTES,
  defaultCatalogue,
  type EventCatalogue,
  ledgerPaths,
  type StoredEvent,
  utcDay,
  writeCatalogueSchema,
} from "@ledger/schema";
import {
  type Appended,
  type Appender,
  type AppenderHealth,
  type EventInputLike,
  recordEmitFailure,
} from "./appender.js";
import { WriterClosedError, writeError } from "./errors.js";
import { fdatasyncSync, nodeFs, writeStringSync } from "./fs-layer.js";
import type { Durability, WriterOptions } from "./options.js";
import { isReplaced, type OpenPart, openPart } from "./part-file.js";
import type { RecoveryReport } from "./recovery.js";
import { EventStamper } from "./stamp.js";

export type Subscriber = (appended: Appended) => void;

export interface WriterHealth extends AppenderHealth {
  durability: Durability;
  recoveries: number;
  subscriberErrors: number;
  queued: number;
  currentFile: string | undefined;
}

interface Pending {
  event: StoredEvent;
  line: string;
  bytes: number;
  /** The UTC day of the event's own time, which names its partition. */
  day: string;
  resolve: (a: Appended) => void;
  reject: (e: unknown) => void;
}

const MiB = 1024 * 1024;

export class Writer implements Appender {
  readonly root: string;
  readonly durability: Durability;
  readonly #o: Required<Omit<WriterOptions, "onRecovery" | "catalogue">> & { catalogue: EventCatalogue };
  readonly #onRecovery: ((r: RecoveryReport) => void) | undefined;
  readonly #paths;
  readonly #stamper: EventStamper;
  /** Parts this writer is done with (rotated, sealed, vanished): never reopened by it. */
  readonly #retired = new Set<string>();
  readonly #subscribers = new Set<Subscriber>();
  #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  #part: OpenPart | undefined;
  #unsynced = false;
  /** An append was written at once in the code running now; see `#canWriteNow`. */
  #wroteThisTurn = false;
  /** A group commit is being written (between its first statement and its acknowledgements). */
  #writing = false;
  /** How many appends the last group commit acknowledged; see `#canWriteNow`. */
  #lastCommitSize = 0;
  #syncTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #health: WriterHealth;
  readonly #dayOf = createDayOf();

  constructor(options: WriterOptions) {
    this.root = options.root;
    this.durability = options.durability ?? "fsync";
    this.#o = {
      root: options.root,
      durability: this.durability,
      rotateBytes: options.rotateBytes ?? 100 * MiB,
      groupCommitWindowMs: options.groupCommitWindowMs ?? 0,
      batchIntervalMs: options.batchIntervalMs ?? 100,
      validate: options.validate ?? true,
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      catalogue: options.catalogue ?? defaultCatalogue(),
      clock: options.clock ?? Date.now,
      fs: options.fs ?? nodeFs,
      fileMode: options.fileMode ?? 0o600,
      dirMode: options.dirMode ?? 0o700,
      exportSchema: options.exportSchema ?? true,
    };
    this.#stamper = new EventStamper(this.#o);
    this.#onRecovery = options.onRecovery;
    this.#paths = ledgerPaths(options.root);
    this.#health = {
      durability: this.durability,
      appended: 0,
      failedAppends: 0,
      recoveries: 0,
      degraded: false,
      emitFailures: 0,
      subscriberErrors: 0,
      queued: 0,
      currentFile: undefined,
      lastError: undefined,
    };
  }

  /** @internal called by `openWriter` */
  async init(): Promise<this> {
    mkdirSync(this.#paths.events, { recursive: true, mode: this.#o.dirMode });
    if (this.#o.exportSchema) await writeCatalogueSchema(this.#paths.schemaFile, this.#o.catalogue);
    return this;
  }

  /**
   * Validates the event, fills `event_id`, `timestamp_ms`, `schema_version` and `seq` when absent,
   * and resolves once it is as durable as the writer's mode promises. An invalid event rejects
   * with the schema error and nothing is written.
   */
  append(input: EventInputLike): Promise<Appended> {
    if (this.#closed) return Promise.reject(new WriterClosedError());
    return this.#stamper.stampThen(input, ({ event, line }) => this.#enqueue(event, line));
  }

  /**
   * Appends several events; all are validated first, so one bad event rejects the call and writes
   * none of them. They share group commits with any concurrent appends.
   */
  appendMany(inputs: readonly EventInputLike[]): Promise<Appended[]> {
    if (this.#closed) return Promise.reject(new WriterClosedError());
    return this.#stamper.stampManyThen(inputs, ({ event, line }) => this.#enqueue(event, line));
  }

  #enqueue(event: StoredEvent, line: string | undefined): Promise<Appended> {
    if (line === undefined) {
      const appended = { event };
      this.#notify(appended);
      return Promise.resolve(appended);
    }
    const bytes = Buffer.byteLength(line);
    const day = this.#dayOf(event.timestamp_ms);
    if (this.#canWriteNow(day, bytes)) return this.#writeNow(event, line, bytes);
    if (this.durability === "none") {
      // Acknowledged once queued; subscribers still hear of it only once it is written.
      this.#push({ event, line, bytes, day, resolve: () => undefined, reject: () => undefined });
      return Promise.resolve({ event });
    }
    return new Promise<Appended>((resolve, reject) =>
      this.#push({ event, line, bytes, day, resolve, reject }),
    );
  }

  /**
   * True when this append is the only one about: nothing queued or being written, no append
   * written earlier in this same run of code (a burst of appenders must share one group commit),
   * and the open part is the day's, still in place and has room. An appender that waits for each
   * acknowledgement before its next event then pays neither a turn of the loop nor a queue entry.
   * The drain may still be about to look at its empty queue: when its last commit acknowledged a
   * single append, the appender that resumed from it is the only one about; after a larger one,
   * the others it woke are queuing their next events to share the next commit.
   */
  #canWriteNow(day: string, bytes: number): boolean {
    const part = this.#part;
    return (
      this.durability === "fsync" &&
      !this.#wroteThisTurn &&
      !this.#writing &&
      this.#queue.length === 0 &&
      (this.#draining === undefined || this.#lastCommitSize === 1) &&
      this.#o.fs === nodeFs &&
      part !== undefined &&
      part.day === day &&
      part.size + bytes <= this.#o.rotateBytes &&
      !isReplaced(part)
    );
  }

  /** Writes one event durably on this thread, as `#writeBatch` does a batch of one. */
  #writeNow(event: StoredEvent, line: string, bytes: number): Promise<Appended> {
    const part = this.#part!;
    this.#wroteThisTurn = true;
    // Cleared before the awaiting appender resumes, so its next event is written at once too.
    // A reaction on a settled promise, not queueMicrotask, which wraps each callback in an async
    // resource.
    SETTLED.then(this.#endTurn);
    try {
      writeStringSync(part.fd, line, bytes);
      if (!part.syncedWrites) fdatasyncSync(part.fd);
    } catch (error) {
      const failure = writeError(part.relPath, error);
      this.#health.failedAppends++;
      this.#health.lastError = failure.message;
      // No later append goes to a file whose tail is being cut back.
      this.#part = undefined;
      return this.#seal(part).then(() => Promise.reject(failure));
    }
    const appended = { event, position: { file: part.relPath, offset: part.size, length: bytes } };
    part.size += bytes;
    this.#health.appended++;
    if (this.#subscribers.size > 0) this.#notify(appended);
    return Promise.resolve(appended);
  }

  readonly #endTurn = () => {
    this.#wroteThisTurn = false;
  };

  #push(pending: Pending): void {
    this.#queue.push(pending);
    // Started after the push: a drain that found the queue empty would end at once.
    this.#draining ??= this.#drain();
  }

  /** Resolves when everything appended so far is written and fdatasync'ed, whatever the mode. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
    await this.#syncNow();
  }

  /** Flushes, then closes the part file and releases its lock. Later appends reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      if (this.#part) await this.#closePart(this.#part, false);
    }
  }

  /** Called with every event once it is durable (and at once for ephemeral events). */
  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  health(): WriterHealth {
    return { ...this.#health, queued: this.#queue.length, currentFile: this.#part?.relPath };
  }

  /** @internal used by emitters in non-throwing mode */
  markDegraded(error: unknown): void {
    recordEmitFailure(this.#health, error);
  }

  /**
   * Writes the queue out, one group commit at a time. Each commit waits for the loop's next turn
   * (or `groupCommitWindowMs`): every appender woken by the last commit has queued its next event
   * by then, so they share one write and one fdatasync instead of trickling in one by one.
   */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        await nextTurn(this.#o.groupCommitWindowMs);
        const batch = this.#queue;
        this.#queue = [];
        await this.#writeBatch(batch);
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #writeBatch(queued: Pending[]): Promise<void> {
    this.#writing = true;
    this.#lastCommitSize = queued.length;
    // Cleared in this function, which acknowledges the appends: a finally runs before the
    // acknowledged appenders resume, so the one that appends next can be written at once.
    try {
      const batch = byDay(queued);
      let i = 0;
      while (i < batch.length) {
        const day = batch[i]!.day;
        // The open part, when it is the day's and its path still names it: no await on the way.
        let part = this.#part;
        if (!part || part.day !== day || isReplaced(part)) {
          try {
            part = await this.#currentPart(day);
          } catch (error) {
            this.#fail(batch.slice(i), writeError(this.#paths.events, error));
            return;
          }
        }
        let end = i;
        let bytes = 0;
        while (
          end < batch.length &&
          batch[end]!.day === day &&
          (end === i || part.size + bytes + batch[end]!.bytes <= this.#o.rotateBytes)
        ) {
          bytes += batch[end]!.bytes;
          end++;
        }
        if (part.size > 0 && part.size + bytes > this.#o.rotateBytes) {
          await this.#closePart(part, false); // rotate at a line boundary, then retry on a new part
          continue;
        }
        let data = batch[i]!.line;
        for (let k = i + 1; k < end; k++) data += batch[k]!.line;
        try {
          if (this.#o.fs === nodeFs) {
            // node:fs itself: the write (and any fdatasync) on this thread. A thread-pool round
            // trip costs more than the write, and its wake-ups are what a loaded machine delays;
            // the appenders of this batch wait on the disk either way.
            writeStringSync(part.fd, data, bytes);
            if (this.durability !== "fsync") this.#scheduleSync();
            else if (!part.syncedWrites) fdatasyncSync(part.fd);
          } else {
            await this.#o.fs.write(part.fd, Buffer.from(data));
            if (this.durability === "fsync") await this.#o.fs.fdatasync(part.fd);
            else this.#scheduleSync();
          }
        } catch (error) {
          // Everything pending when the file failed is rejected, not only this chunk: no append
          // queued behind a failure is acknowledged by a later write to another file.
          this.#fail([...batch.slice(i), ...this.#queue.splice(0)], writeError(part.relPath, error));
          await this.#seal(part);
          return;
        }
        let offset = part.size;
        part.size += bytes;
        this.#health.appended += end - i;
        const notify = this.#subscribers.size > 0;
        for (let k = i; k < end; k++) {
          const p = batch[k]!;
          const appended = { event: p.event, position: { file: part.relPath, offset, length: p.bytes } };
          p.resolve(appended);
          if (notify) this.#notify(appended);
          offset += p.bytes;
        }
        i = end;
      }
    } finally {
      this.#writing = false;
    }
  }

  async #currentPart(day: string): Promise<OpenPart> {
    const part = this.#part;
    if (part && isReplaced(part)) await this.#closePart(part, false);
    // Another day's events: its part is let go unretired, so coming back to this day (live
    // events between backfilled ones) appends to it again instead of opening one more part.
    else if (part && part.day !== day) await this.#closePart(part, false, false);
    if (!this.#part) {
      this.#part = await openPart({
        eventsDir: this.#paths.events,
        quarantineDir: this.#paths.quarantine,
        day,
        rotateBytes: this.#o.rotateBytes,
        retired: this.#retired,
        fs: this.#o.fs,
        fileMode: this.#o.fileMode,
        dirMode: this.#o.dirMode,
        // Only where every write is to be durable at once, and not under an injected `fs`, whose
        // faults are meant for the fdatasync it is called for. Linux only: elsewhere O_DSYNC is
        // missing (Windows) or weaker than the fdatasync it would replace (macOS's full fsync).
        syncedWrites: this.durability === "fsync" && this.#o.fs === nodeFs && process.platform === "linux",
        onRecovery: (report) => {
          this.#health.recoveries++;
          this.#onRecovery?.(report);
        },
      });
    }
    return this.#part;
  }

  #fail(pending: Pending[], error: Error): void {
    this.#health.failedAppends += pending.length;
    this.#health.lastError = error.message;
    for (const p of pending) p.reject(error);
  }

  /**
   * After a failed write or fdatasync the file's state past the last acknowledged byte is unknown
   * (an fdatasync error can drop dirty pages), so cut it back to that byte, stop using the file,
   * and let the next append open a new part.
   */
  async #seal(part: OpenPart): Promise<void> {
    try {
      await this.#o.fs.ftruncate(part.fd, part.size);
      if (part.size === 0) rmSync(part.path, { force: true });
    } catch {
      // the torn tail is recovered by whoever takes the file over next
    }
    await this.#closePart(part, true);
  }

  async #closePart(part: OpenPart, failed: boolean, retire = true): Promise<void> {
    if (this.#part === part) this.#part = undefined;
    if (retire) this.#retired.add(part.path);
    try {
      if (!failed && this.#unsynced) await this.#o.fs.fdatasync(part.fd);
      this.#unsynced = false;
    } finally {
      await this.#o.fs.close(part.fd).catch(() => undefined);
      part.lock.release();
    }
  }

  #scheduleSync(): void {
    this.#unsynced = true;
    if (this.durability !== "batch" || this.#syncTimer) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#syncNow().catch((error) => {
        this.#health.lastError = error instanceof Error ? error.message : String(error);
      });
    }, this.#o.batchIntervalMs);
  }

  async #syncNow(): Promise<void> {
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    const part = this.#part;
    if (!part || !this.#unsynced) return;
    this.#unsynced = false;
    try {
      await this.#o.fs.fdatasync(part.fd);
    } catch (error) {
      await this.#seal(part);
      throw writeError(part.relPath, error);
    }
  }

  #notify(appended: Appended): void {
    for (const s of this.#subscribers) {
      try {
        s(appended);
      } catch {
        this.#health.subscriberErrors++;
      }
    }
  }
}

const SETTLED = Promise.resolve();

/** The loop's next turn, after every pending callback and promise job, or `ms` from now. */
const nextTurn = (ms: number) => new Promise<void>((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

const DAY_MS = 86_400_000;

/** `utcDay`, remembering the last day's bounds: events of one day skip formatting a Date. */
function createDayOf(): (timestampMs: number) => string {
  let start = Number.NaN;
  let day = "";
  return (timestampMs) => {
    if (timestampMs >= start && timestampMs < start + DAY_MS) return day;
    day = utcDay(timestampMs);
    start = Math.floor(timestampMs / DAY_MS) * DAY_MS;
    return day;
  };
}

/**
 * The batch grouped by partition, each day's events in their order, days in order of first
 * appearance: a backfill that mixes days opens each day's part once per batch, not once per
 * change of day.
 */
function byDay(batch: Pending[]): Pending[] {
  const first = batch[0]?.day;
  if (batch.every((p) => p.day === first)) return batch;
  const groups = new Map<string, Pending[]>();
  for (const p of batch) {
    const group = groups.get(p.day);
    if (group) group.push(p);
    else groups.set(p.day, [p]);
  }
  return [...groups.values()].flat();
}

/** Opens a writer on `{root}/events`, creating folders and exporting `_schema.json` as needed. */
export function openWriter(options: WriterOptions): Promise<Writer> {
  return new Writer(options).init();
}
