import type { StoredEvent } from "@ledger/schema";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { type ConnectOptions, connectNats, serverList } from "./connect.js";
import { jsApi } from "./stream.js";
import { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, followSubject } from "./subjects.js";

export interface FollowStreamOptions extends ConnectOptions {
  /** @default "LEDGER" */
  stream?: string;
  /** @default "ledger" */
  subjectPrefix?: string;
  /** Only this run's events. */
  runId?: string;
  /** Only these event types. */
  types?: readonly string[];
  /** Start with the events stored since this time (ms). @default only events published from now on */
  sinceMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/**
 * The events of a stream as they are published, read through an ordered consumer that the server
 * forgets when the reader goes: nothing is acknowledged, and no sink's position moves. Messages
 * that are not JSON events are skipped.
 */
export async function* followStream(options: FollowStreamOptions): AsyncGenerator<StoredEvent> {
  const { runId, types, sinceMs, signal } = options;
  const nc = await connectNats(options);
  try {
    const prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    const only = types?.length === 1 ? types[0] : undefined;
    const messages = await jsApi(serverList(options.servers), async () => {
      const consumer = await jetstream(nc).consumers.get(options.stream ?? DEFAULT_STREAM, {
        filter_subjects: followSubject(prefix, only, runId),
        ...(sinceMs === undefined
          ? { deliver_policy: DeliverPolicy.New }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(sinceMs).toISOString() }),
      });
      return consumer.consume();
    });
    const stop = () => void messages.close();
    if (signal?.aborted) stop();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      for await (const msg of messages) {
        let event: StoredEvent;
        try {
          event = JSON.parse(msg.string()) as StoredEvent;
        } catch {
          continue;
        }
        if (typeof event !== "object" || event === null || typeof event.event_type !== "string") continue;
        if (runId !== undefined && event.run_id !== runId) continue;
        if (types !== undefined && !types.includes(event.event_type)) continue;
        yield event;
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      await messages.close().catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
