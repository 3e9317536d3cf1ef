import type { ServerResponse } from "node:http";
import type { IndexReader } from "@ledger/indexer";
import type { StoredEvent } from "@ledger/schema";
import { followLog, readLog } from "@ledger/writer";
import { writeWithBackpressure } from "./respond.js";

export interface StreamOptions {
  root: string;
  runId: string;
  reader: IndexReader;
  signal: AbortSignal;
}

/** The day of the run's first event, from the index, so replay skips older partitions. */
async function firstDay(reader: IndexReader, runId: string): Promise<string | undefined> {
  try {
    const [row] = await reader.query("SELECT events_file FROM catalog.run_pointers WHERE run_id = $1", [
      runId,
    ]);
    const match = /^day=(\d{4}-\d{2}-\d{2})\//.exec(String(row?.events_file ?? ""));
    return match?.[1];
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
  /** Events with `seq` below this are not sent again (from `from_sequence` or `Last-Event-ID`). */
  fromSequence: number;
  /** @default 15000 */
  heartbeatMs?: number;
}

/**
 * `GET /runs/{id}/events?stream=true`: Server-Sent Events. One cursor reads the log from the run's
 * first partition to its end (the replay) and then waits for appends (live), so nothing falls in
 * a gap or comes twice at the switch, which is announced by a `caught-up` event. Each event's
 * SSE id is its `seq`, so a reconnecting browser resumes where it left off. `seq` counts per run
 * per writer: for a run written by one job (the usual case) it is gapless and unique.
 */
export async function streamEvents(response: ServerResponse, options: SseOptions): Promise<void> {
  const fromDay = await firstDay(options.reader, options.runId);
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.write("retry: 2000\n\n");
  const heartbeat = setInterval(() => response.write(": heartbeat\n\n"), options.heartbeatMs ?? 15_000);
  let caughtUp = false;
  try {
    const source = followLog({
      root: options.root,
      runId: options.runId,
      ...(fromDay ? { fromDay } : {}),
      signal: options.signal,
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
    try {
      for await (const { event } of source) {
        await announce();
        // The cursor applies to the replay only: a second writer of the same run numbers its
        // events from 1 again, and a live event must never be dropped for that.
        if (!announced && typeof event.seq === "number" && event.seq < options.fromSequence) continue;
        await writeWithBackpressure(response, frame(event));
      }
    } finally {
      clearInterval(timer);
    }
  } finally {
    clearInterval(heartbeat);
    response.end();
  }
}

function frame(event: StoredEvent): string {
  const id = typeof event.seq === "number" ? `id: ${event.seq}\n` : "";
  return `${id}data: ${JSON.stringify(event)}\n\n`;
}
