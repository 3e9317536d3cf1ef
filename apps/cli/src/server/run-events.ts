import type { ServerResponse } from "node:http";
import { type IndexReader, runStart } from "@ledger/indexer";
import type { StoredEvent } from "@ledger/schema";
import { encodeCursor, followLog, type LogCursor, logicalPart, readLog } from "@ledger/writer";
import { openEventStream, writeWithBackpressure } from "./respond.js";

export interface StreamOptions {
  root: string;
  runId: string;
  reader: IndexReader;
  signal: AbortSignal;
}

/** The day of the run's first event, from the index, so replay skips older partitions. */
async function firstDay(reader: IndexReader, runId: string): Promise<string | undefined> {
  try {
    return (await runStart(reader, runId))?.day;
  } catch {
    return undefined; // no index yet: read the whole log
  }
}

/** `GET /runs/{id}/events`: the run's events as NDJSON, streamed from the log. */
export async function downloadEvents(response: ServerResponse, options: StreamOptions): Promise<void> {
  const fromDay = await firstDay(options.reader, options.runId);
  response.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "content-disposition": `attachment; filename="${options.runId}.ndjson"`,
  });
  for await (const { event } of readLog({
    root: options.root,
    runId: options.runId,
    ...(fromDay ? { fromDay } : {}),
  })) {
    if (options.signal.aborted) break;
    await writeWithBackpressure(response, `${JSON.stringify(event)}\n`);
  }
  response.end();
}

export interface SseOptions extends StreamOptions {
  /** Resume after the events this cursor names (from `Last-Event-ID` or `cursor`). */
  after?: LogCursor;
  /** In the replay, events with `seq` below this are skipped (`from_sequence`). @default 0 */
  fromSequence?: number;
  /** @default 15000 */
  heartbeatMs?: number;
}

/**
 * `GET /runs/{id}/events?stream=true`: Server-Sent Events. One follower reads the log from the
 * run's first partition to its end (the replay) and then waits for appends (live), so nothing
 * falls in a gap or comes twice at the switch, which is announced by a `caught-up` event.
 *
 * Each event's SSE id is the log cursor just past it: for every part file that held the run's
 * events, how far they have been taken. `seq` cannot serve, since it counts per writer and every
 * process writing the run starts again at 1. Parts are append-only, so resuming from the cursor
 * sends exactly the events not yet sent, whichever processes appended them and in which order.
 */
export async function streamEvents(response: ServerResponse, options: SseOptions): Promise<void> {
  const fromDay = await firstDay(options.reader, options.runId);
  const stopHeartbeat = openEventStream(response, options.heartbeatMs);
  let caughtUp = false;
  try {
    const source = followLog({
      root: options.root,
      runId: options.runId,
      ...(fromDay ? { fromDay } : {}),
      signal: options.signal,
      ...(options.after ? { after: options.after } : {}),
      onCaughtUp: () => {
        caughtUp = true;
      },
    });
    let announced = false;
    const announce = async () => {
      if (caughtUp && !announced) {
        announced = true;
        await writeWithBackpressure(response, "event: caught-up\ndata: {}\n\n");
      }
    };
    // The marker must go out even when the replay is empty, before the first live event.
    const timer = setInterval(() => void announce(), 50);
    const cursor = new Map(options.after ?? []);
    const fromSequence = options.fromSequence ?? 0;
    try {
      for await (const { event, position } of source) {
        await announce();
        // A skipped event moves the cursor too, so a reconnect does not send it after all.
        cursor.set(logicalPart(position.file), position.offset + position.length);
        // `from_sequence` applies to the replay only: a second writer of the same run numbers
        // its events from 1 again, and a live event must never be dropped for that.
        if (!announced && typeof event.seq === "number" && event.seq < fromSequence) continue;
        await writeWithBackpressure(response, frame(event, encodeCursor(cursor)));
      }
    } finally {
      clearInterval(timer);
    }
  } finally {
    stopHeartbeat();
    response.end();
  }
}

function frame(event: StoredEvent, cursor: string): string {
  return `id: ${cursor}\ndata: ${JSON.stringify(event)}\n\n`;
}
