import { decodeTime } from "ulid";
import { createUlidSource } from "./ulid-source.js";

/**
 * Event ids are ULIDs: 26 characters, sortable by creation time. Within one process they are
 * strictly increasing even when the clock stalls or steps back (the monotonic factory reuses the
 * last time and increments the random part).
 */
export const EVENT_ID_PATTERN =
  "^(?:[0-9A-HJKMNP-TV-Z]{26}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$";

export type EventIdFactory = (nowMs?: number) => string;

/** A fresh monotonic id source; tests pass their own clock values through `nowMs`. */
export function createEventIdFactory(): EventIdFactory {
  const next = createUlidSource();
  return (nowMs?: number) => next(nowMs ?? Date.now());
}

const processFactory = createEventIdFactory();

/** A new event id from this process's shared monotonic source. */
export function newEventId(nowMs?: number): string {
  return processFactory(nowMs);
}

/** Milliseconds encoded in a ULID event id, or undefined for ids of another form (UUIDs). */
export function eventIdTime(eventId: string): number | undefined {
  if (eventId.length !== 26) return undefined;
  try {
    return decodeTime(eventId);
  } catch {
    return undefined;
  }
}
