import {
  assertSafeId,
  defaultCatalogue,
  type EventDefinition,
  LineTooLargeError,
  resolveRoot,
  serializeEvent,
} from "@ledger/schema";
import { type Appender, type Durability, type EventInputLike, openWriter } from "@ledger/writer";
import type { EmitArgs } from "../commands/emit.js";
import { natsServers } from "../commands/jetstream/options.js";
import { UsageError } from "../errors.js";
import { out } from "../output/print.js";
import { UserError } from "../user-error.js";

const RESERVED = new Set([
  "_",
  "$0",
  "root",
  "json",
  "event-type",
  "run-id",
  "durability",
  "nats",
  "stream",
  "subject-prefix",
  "timeout",
  "help",
  "version",
]);

/** Turns a flag's text into what the type's schema expects for that field. */
function coerce(definition: EventDefinition | undefined, field: string, raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  const schema = (
    definition?.schema.properties as Record<string, { type?: string; anyOf?: unknown }> | undefined
  )?.[field];
  const type = schema?.type;
  try {
    if (type === "object" || type === "array") return JSON.parse(raw);
    if (type === "integer" || type === "number") return raw.trim() === "" ? raw : Number(raw);
    if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  } catch {
    throw new UserError(
      "LEDGER_BAD_FLAG",
      `--${field.replaceAll("_", "-")} is not valid JSON: ${raw.slice(0, 80)}`,
    );
  }
  return raw;
}

function fromFlags(args: EmitArgs): Record<string, unknown> {
  const type = args["event-type"];
  if (!type) throw new UsageError("--event-type is required (or pass --json, or NDJSON on stdin)");
  const definition = defaultCatalogue().get(type);
  const event: Record<string, unknown> = { event_type: type };
  if (args["run-id"] !== undefined) event.run_id = String(args["run-id"]);
  for (const [key, value] of Object.entries(args)) {
    if (RESERVED.has(key)) continue;
    const field = key.replaceAll("-", "_");
    event[field] = coerce(definition, field, value);
  }
  return event;
}

/** All of stdin; read as a stream, since a pipe may be non-blocking (readFileSync(0) then fails with EAGAIN). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function fromStdin(): Promise<Record<string, unknown>[]> {
  const text = await readStdin();
  const events: Record<string, unknown>[] = [];
  text.split("\n").forEach((line, i) => {
    // An input line may be over the log's line limit: a truncatable field is cut when serialized.
    if (line.trim() === "") return;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw new Error("not a JSON object");
      events.push(value as Record<string, unknown>);
    } catch (error) {
      throw new UserError("LEDGER_BAD_INPUT", `stdin line ${i + 1}: ${(error as Error).message}`);
    }
  });
  if (events.length === 0) throw new UserError("LEDGER_BAD_INPUT", "stdin held no events");
  return events;
}

export async function emit(args: EmitArgs): Promise<void> {
  // A local append never waits on a server: a timeout there would be silently ignored.
  if (args.timeout !== undefined && args.nats === undefined)
    throw new UsageError("--timeout applies only with --nats");
  let events: Record<string, unknown>[];
  if (args.json !== undefined) {
    try {
      events = [JSON.parse(args.json) as Record<string, unknown>];
    } catch (error) {
      throw new UserError("LEDGER_BAD_INPUT", `--json: ${(error as Error).message}`);
    }
  } else if (args["event-type"] === undefined && !process.stdin.isTTY) {
    events = await fromStdin();
  } else {
    events = [fromFlags(args)];
  }
  // Every event is checked before any is written, so a bad line leaves the log untouched.
  const catalogue = defaultCatalogue();
  events.forEach((event, i) => {
    const where = events.length > 1 ? `line ${i + 1}: ` : "";
    if (typeof event.run_id === "string" && event.run_id !== "") {
      try {
        assertSafeId(event.run_id, "run id");
      } catch (error) {
        throw new UserError("LEDGER_INVALID_ID", `${where}${(error as Error).message}`);
      }
    }
    const probe: Record<string, unknown> = {
      event_id: "01J00000000000000000000000",
      timestamp_ms: 0,
      ...event,
    };
    probe.schema_version ??= catalogue.latestVersion(String(event.event_type));
    const result = catalogue.validate(probe);
    if (!result.ok) {
      throw new UserError("LEDGER_SCHEMA_INVALID", `${where}${result.summary}`);
    }
    try {
      serializeEvent(result.event, { catalogue });
    } catch (error) {
      if (error instanceof LineTooLargeError)
        throw new UserError(error.code, `${where}${error.message}`, { cause: error });
      throw error;
    }
  });
  const writer: Appender =
    args.nats === undefined
      ? await openWriter({ root: resolveRoot(args.root), durability: args.durability as Durability })
      : await openNatsWriter(args, args.nats, resolveRoot(args.root));
  try {
    const appended = await writer.appendMany(events as EventInputLike[]);
    for (const a of appended) out(a.event.event_id);
  } finally {
    await writer.close();
  }
}

/** The JetStream writer, loaded only when `--nats` asks for it. */
async function openNatsWriter(args: EmitArgs, nats: string, root: string): Promise<Appender> {
  const { openJetStreamWriter } = await import("@ledger/jetstream");
  return openJetStreamWriter({
    servers: natsServers(nats),
    stream: args.stream,
    subjectPrefix: args["subject-prefix"],
    root,
    ...(args.timeout === undefined ? {} : { timeoutMs: args.timeout }),
  });
}
