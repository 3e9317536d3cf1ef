import type { EventCatalogue, StoredEvent } from "./catalogue.js";
import { LineTooLargeError } from "./errors.js";
import { defaultCatalogue } from "./validate.js";

/** Longest line (bytes, newline included) the log accepts unless configured otherwise: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** How much of a truncated field is kept as a preview (the coordination note's 10 KB), at most a quarter of the line limit. */
export const TRUNCATION_PREVIEW_BYTES = 10 * 1024;

/** What replaces a truncatable field that would not fit in a line. */
export interface TruncationMarker {
  _truncated: true;
  original_bytes: number;
  preview: string;
}

export interface SerializeOptions {
  /** @default DEFAULT_MAX_LINE_BYTES (1 MiB) */
  maxLineBytes?: number;
  /** @default the core catalogue */
  catalogue?: EventCatalogue;
}

/**
 * Turns a validated event into its log line (JSON + `\n`). When the line is over the limit, the
 * fields its type marks truncatable are replaced, largest first, by a marker with a preview; if it
 * still does not fit, `LineTooLargeError`. Other events over the limit are always an error.
 */
export function serializeEvent(event: StoredEvent, options: SerializeOptions = {}): string {
  const limit = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let line = `${JSON.stringify(event)}\n`;
  // Characters never outnumber bytes, so a short string needs no byte count.
  if (line.length * 3 <= limit || Buffer.byteLength(line) <= limit) return line;

  const definition = (options.catalogue ?? defaultCatalogue()).get(event.event_type, event.schema_version);
  const fields = (definition?.truncatable ?? [])
    .filter((f) => event[f] !== undefined)
    .map((f) => ({ field: f, json: JSON.stringify(event[f]) }))
    .sort((a, b) => b.json.length - a.json.length);
  const cut: StoredEvent = { ...event };
  for (const { field, json } of fields) {
    cut[field] = truncationMarker(json, Math.min(TRUNCATION_PREVIEW_BYTES, Math.floor(limit / 4)));
    line = `${JSON.stringify(cut)}\n`;
    if (Buffer.byteLength(line) <= limit) return line;
  }
  throw new LineTooLargeError(
    event.event_type,
    Buffer.byteLength(line),
    limit,
    fields.map((f) => f.field),
  );
}

function truncationMarker(json: string, previewBytes: number): TruncationMarker {
  const bytes = Buffer.from(json);
  // Cut on a character boundary: drop a partial UTF-8 sequence at the end of the preview.
  const preview = bytes
    .subarray(0, previewBytes)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
  return { _truncated: true, original_bytes: bytes.length, preview };
}

export type ParsedLine =
  | { ok: true; event: StoredEvent }
  | { ok: false; reason: string; eventType?: string; unknownType?: boolean };

export interface ParseLineOptions {
  /** @default DEFAULT_MAX_LINE_BYTES (1 MiB) */
  maxLineBytes?: number;
  /** @default the core catalogue */
  catalogue?: EventCatalogue;
}

/**
 * Parses one log line (without its `\n`), validates it and upcasts it to the current version.
 * Never throws: a bad line comes back with a one-line reason, for quarantine and reports.
 */
export function parseEventLine(line: string, options: ParseLineOptions = {}): ParsedLine {
  const limit = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (line.length * 3 > limit && Buffer.byteLength(line) + 1 > limit) {
    return {
      ok: false,
      reason: `line is ${Buffer.byteLength(line) + 1} bytes, over the ${limit}-byte limit`,
    };
  }
  const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `malformed JSON: ${why.split("\n")[0]}` };
  }
  const result = (options.catalogue ?? defaultCatalogue()).read(value);
  if (result.ok) return { ok: true, event: result.event };
  return result.eventType === undefined
    ? { ok: false, reason: result.summary, unknownType: result.unknownType }
    : { ok: false, reason: result.summary, eventType: result.eventType, unknownType: result.unknownType };
}
