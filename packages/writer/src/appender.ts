import type { StoredEvent } from "@ledger/schema";

/** Where an event's line sits in the log. */
export interface EventPosition {
  /** Part file relative to the events folder, e.g. `day=2026-01-23/part-000001.jsonl`. */
  file: string;
  offset: number;
  length: number;
}

/** What an append resolves with: the event as written (envelope filled) and its position. */
export interface Appended {
  event: StoredEvent;
  /** Absent for ephemeral events, which are never written, and for events sent over a network. */
  position?: EventPosition;
}

/** Anything with an `event_type`; the writer fills the rest of the envelope. */
export type EventInputLike = { event_type: string; [field: string]: unknown };

/** What every append surface reports, whatever carries its events. */
export interface AppenderHealth {
  appended: number;
  failedAppends: number;
  /** Set by emitters in non-throwing mode after a failed emit. */
  degraded: boolean;
  emitFailures: number;
  lastError: string | undefined;
}

/**
 * The append surface emitters and run directories work over: the local `Writer`, or a writer
 * that sends events over a network (such as `@ledger/jetstream`'s). Each validates and stamps
 * events the same way, through `EventStamper`.
 */
export interface Appender {
  /** Ledger root on this machine: run artifacts are written under it. */
  readonly root: string;
  /** Validates and stamps the event; resolves once it is as durable as the appender promises. */
  append(input: EventInputLike): Promise<Appended>;
  /** Validates every event first: one bad event rejects the call and sends none. */
  appendMany(inputs: readonly EventInputLike[]): Promise<Appended[]>;
  /** Waits for what is in flight, then releases the appender. Later appends reject. */
  close(): Promise<void>;
  health(): AppenderHealth;
  /** @internal used by emitters in non-throwing mode */
  markDegraded(error: unknown): void;
}

/** Records a failed emit in `health`: what `markDegraded` does in every appender. */
export function recordEmitFailure(health: AppenderHealth, error: unknown): void {
  health.degraded = true;
  health.emitFailures++;
  health.lastError = error instanceof Error ? error.message : String(error);
}
