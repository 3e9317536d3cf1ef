import { assertSafeId, type StoredEvent, utcDay } from "@ledger/schema";
import { followLog, readLog } from "@ledger/writer";
import type { EventsArgs } from "../commands/events.js";
import { natsServers } from "../commands/jetstream/options.js";
import { dim, out } from "../output/print.js";
import { parseSince } from "../output/since.js";
import { logRootOf } from "./log-root.js";

/** A short human summary of an event's own fields, as in the example of ledger's original design notes. */
function summarise(event: StoredEvent): string {
  const e = event as StoredEvent & Record<string, unknown>;
  switch (event.event_type) {
    case "run.created":
      return `type=${e.run_type} fingerprint=${e.data_fingerprint}`;
    case "run.completed":
      return `status=${e.status}${e.exit_code !== undefined ? ` exit=${e.exit_code}` : ""}`;
    case "phase.started":
      return `phase=${e.phase} order=${e.phase_order}`;
    case "phase.completed":
      return `phase=${e.phase} duration=${e.duration_ms}ms`;
    case "trial.recorded":
      return `trial=${e.trial_id} ${Object.entries((e.metrics as Record<string, number>) ?? {})
        .slice(0, 3)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`;
    case "artifact.created":
      return `${e.path} (${e.format}, ${e.bytes} bytes)`;
    default:
      return "";
  }
}

function print(event: StoredEvent, json: boolean): void {
  if (json) out(JSON.stringify(event));
  else {
    const time = new Date(event.timestamp_ms).toISOString();
    out(
      `${dim(time)}  ${event.event_type.padEnd(18)}  ${(event.run_id ?? "-").padEnd(20)}  ${summarise(event)}`,
    );
  }
}

export async function events(args: EventsArgs): Promise<void> {
  if (args.run !== undefined) assertSafeId(args.run, "run id");
  const sinceMs = args.since !== undefined ? parseSince(args.since) : undefined;
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  if (args.nats !== undefined) return followNats(args, args.nats, sinceMs, controller.signal);
  const root = logRootOf(args.root);
  const options = {
    root,
    ...(args.run !== undefined ? { runId: args.run } : {}),
    ...(args.kind !== undefined ? { types: args.kind } : {}),
    // Partitions are by each event's own UTC day: a day before `--since` holds no event at or after it.
    ...(sinceMs !== undefined ? { fromDay: utcDay(sinceMs) } : {}),
    signal: controller.signal,
    onProblem: (p: { file: string; offset: number; reason: string }) =>
      process.stderr.write(dim(`skipped ${p.file}@${p.offset}: ${p.reason}\n`)),
  };
  const source = args.follow ? followLog(options) : readLog(options);
  for await (const { event } of source) {
    if (sinceMs !== undefined && event.timestamp_ms < sinceMs) continue;
    print(event, args.json);
  }
}

/** Follows the JetStream stream, loaded only when `--nats` asks for it. */
async function followNats(args: EventsArgs, nats: string, sinceMs: number | undefined, signal: AbortSignal) {
  const { followStream } = await import("@ledger/jetstream");
  const source = followStream({
    servers: natsServers(nats),
    stream: args.stream,
    subjectPrefix: args["subject-prefix"],
    signal,
    ...(args.run !== undefined ? { runId: args.run } : {}),
    ...(args.kind !== undefined ? { types: args.kind } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
  });
  for await (const event of source) print(event, args.json);
}
