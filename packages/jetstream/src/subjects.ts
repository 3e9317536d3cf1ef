import { InvalidIdentifierError } from "@ledger/schema";

/** The stream ledger creates and appends to unless told otherwise. */
export const DEFAULT_STREAM = "LEDGER";
/** The first subject token of every ledger event. */
export const DEFAULT_SUBJECT_PREFIX = "ledger";
/** The run token of events that belong to no run (`alert.ingested`). */
export const NO_RUN_TOKEN = "_";

/** A subject token holds no `.`, `*`, `>` or whitespace; anything outside this set is `%XX`-escaped. */
const UNSAFE = /[^A-Za-z0-9_-]/g;
const percentEncode = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;

/**
 * The subject an event is published on: `<prefix>.<event_type>.<run>`, e.g.
 * `ledger.run.created.bt-42`. The event type keeps its dots (so `ledger.run.>` selects the run
 * lifecycle); `<run>` is one token: the run id with `.` and other characters a token cannot hold
 * written `%XX`, or `_` for an event without a run.
 */
export function eventSubject(prefix: string, event: { event_type: string; run_id?: unknown }): string {
  const type = event.event_type
    .replace(/[^A-Za-z0-9_.-]/g, percentEncode)
    // An empty token (a leading, trailing or doubled dot) is not a valid subject.
    .replace(/^\.|\.$|\.(?=\.)/g, percentEncode);
  return `${prefix}.${type}.${runToken(event.run_id)}`;
}

function runToken(runId: unknown): string {
  if (typeof runId !== "string" || runId === "") return NO_RUN_TOKEN;
  // A run named `_` must not read as "no run".
  return runId === NO_RUN_TOKEN ? percentEncode(runId) : runId.replace(UNSAFE, percentEncode);
}

/** Checks a subject prefix: dot-separated tokens, no wildcards, no whitespace. */
export function assertSubjectPrefix(prefix: string): void {
  if (!/^[^.*>\s]+(\.[^.*>\s]+)*$/.test(prefix)) {
    throw new InvalidIdentifierError(
      "subject prefix",
      prefix,
      "it must be dot-separated tokens without *, > or spaces",
    );
  }
}

/**
 * The narrowest one subject filter (what nats-server 2.9 takes) that covers the events of one type
 * and one run; without a type the depth of the subject is not known, so it is the whole prefix.
 */
export function followSubject(prefix: string, eventType?: string, runId?: string): string {
  if (eventType === undefined) return `${prefix}.>`;
  const exact = eventSubject(prefix, { event_type: eventType, run_id: runId });
  return runId === undefined ? `${exact.slice(0, -NO_RUN_TOKEN.length)}*` : exact;
}
