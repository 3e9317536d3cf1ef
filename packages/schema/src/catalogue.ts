import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { ValueErrorType } from "@sinclair/typebox/errors";
import {
  CatalogueError,
  SchemaValidationError,
  UnknownEventTypeError,
  type ValidationIssue,
} from "./errors.js";
import { coreEventDefinitions } from "./events/core.js";
import type { EventDefinition } from "./events/define.js";

/** Any event as stored: the envelope plus its type's fields. */
export interface StoredEvent {
  event_id: string;
  event_type: string;
  schema_version: number;
  timestamp_ms: number;
  run_id?: string;
  seq?: number;
  [field: string]: unknown;
}

export type ValidationResult =
  | { ok: true; event: StoredEvent; definition: EventDefinition }
  | { ok: false; issues: ValidationIssue[]; summary: string; unknownType: boolean; eventType?: string };

interface Entry {
  definition: EventDefinition;
  check?: TypeCheck<EventDefinition["schema"]>;
}

/** How many issues besides missing fields a summary line names before it says "and N more". */
const SUMMARY_ISSUES = 1;

/**
 * The registry of event types and their versions. Each catalogue is independent: users build
 * theirs with `createCatalogue()` and register their own types or newer versions of core ones.
 * Validators are compiled on first use and cached for the catalogue's life.
 */
export class EventCatalogue {
  readonly #types = new Map<string, Map<number, Entry>>();
  readonly #latest = new Map<string, number>();

  /**
   * Adds one version of one event type. Version 1 needs no upcaster; every later version must come
   * right after the previous one and carry an `upcast` from it, so any old event can be brought
   * to the current shape.
   */
  register(definition: EventDefinition): this {
    const { type, version } = definition;
    if (!/^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/.test(type)) {
      throw new CatalogueError(`event type "${type}" must look like "noun.verb" (lowercase, dot-separated)`);
    }
    if (!Number.isInteger(version) || version < 1) {
      throw new CatalogueError(`${type}: schema_version must be an integer >= 1, got ${version}`);
    }
    const versions = this.#types.get(type) ?? new Map<number, Entry>();
    if (versions.has(version)) throw new CatalogueError(`${type} v${version} is already registered`);
    if (version > 1) {
      if (!versions.has(version - 1)) {
        throw new CatalogueError(`${type} v${version} needs v${version - 1} registered first`);
      }
      if (!definition.upcast)
        throw new CatalogueError(`${type} v${version} needs an upcast from v${version - 1}`);
    }
    versions.set(version, { definition });
    this.#types.set(type, versions);
    this.#latest.set(type, Math.max(version, this.#latest.get(type) ?? 0));
    return this;
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  /** The definition of `type` at `version` (default: the latest), or undefined. */
  get(type: string, version?: number): EventDefinition | undefined {
    const v = version ?? this.#latest.get(type);
    return v === undefined ? undefined : this.#types.get(type)?.get(v)?.definition;
  }

  latestVersion(type: string): number | undefined {
    return this.#latest.get(type);
  }

  /** Registered type names, sorted. */
  types(): string[] {
    return [...this.#types.keys()].sort();
  }

  /** Every registered definition, sorted by type then version. */
  definitions(): EventDefinition[] {
    return this.types().flatMap((t) =>
      [...(this.#types.get(t)?.values() ?? [])]
        .map((e) => e.definition)
        .sort((a, b) => a.version - b.version),
    );
  }

  /** Checks `value` against the schema of its own `event_type` and `schema_version`. */
  validate(value: unknown): ValidationResult {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
      return fail([{ path: "", message: `event must be a JSON object, got ${got}` }], false);
    }
    const record = value as Record<string, unknown>;
    const type = record.event_type;
    if (typeof type !== "string") {
      return fail(
        [{ path: "/event_type", message: "missing event_type (a string such as run.created)" }],
        false,
      );
    }
    const versions = this.#types.get(type);
    if (!versions) {
      const known = this.types().join(", ");
      return fail(
        [{ path: "/event_type", message: `unknown event type "${type}" (known: ${known})` }],
        true,
        type,
      );
    }
    const version = record.schema_version;
    const entry = typeof version === "number" ? versions.get(version) : undefined;
    if (!entry) {
      const known = [...versions.keys()].join(", ");
      const message =
        version === undefined
          ? `missing schema_version (${type} has versions ${known})`
          : `unknown schema_version ${JSON.stringify(version)} for ${type} (known: ${known})`;
      return fail([{ path: "/schema_version", message }], false, type);
    }
    entry.check ??= TypeCompiler.Compile(entry.definition.schema);
    if (entry.check.Check(value))
      return { ok: true, event: value as StoredEvent, definition: entry.definition };
    const errors = [...entry.check.Errors(value)];
    const missing = errors.filter((e) => e.type === ValueErrorType.ObjectRequiredProperty).map((e) => e.path);
    // TypeBox reports a missing field twice, as missing and as not of its type: once is enough.
    const issues = errors
      .filter((e) => e.type === ValueErrorType.ObjectRequiredProperty || !missing.includes(e.path))
      .map((e) => ({ path: e.path, message: e.message }));
    return fail(issues, false, type, `${type} v${entry.definition.version}`, missing);
  }

  /** Like `validate`, but returns the event or throws a typed error. */
  assert(value: unknown): StoredEvent {
    const result = this.validate(value);
    if (result.ok) return result.event;
    const Err = result.unknownType ? UnknownEventTypeError : SchemaValidationError;
    throw new Err(result.summary, result.issues, result.eventType);
  }

  /**
   * Brings a valid event of an older version to the current version of its type by running each
   * upcaster in turn. Events already current are returned as they are.
   */
  upcast(event: StoredEvent): StoredEvent {
    const latest = this.#latest.get(event.event_type);
    if (latest === undefined || event.schema_version >= latest) return event;
    let current: Record<string, unknown> = event;
    for (let v = event.schema_version + 1; v <= latest; v++) {
      const definition = this.get(event.event_type, v);
      if (!definition?.upcast) throw new CatalogueError(`${event.event_type} v${v} has no upcaster`);
      current = { ...definition.upcast(current), schema_version: v };
    }
    return this.assert(current);
  }

  /** Validate then upcast: what every reader does with an event it has parsed. */
  read(value: unknown): ValidationResult {
    const result = this.validate(value);
    if (!result.ok || result.event.schema_version === this.#latest.get(result.event.event_type))
      return result;
    try {
      const event = this.upcast(result.event);
      return { ok: true, event, definition: this.get(event.event_type) as EventDefinition };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return fail([{ path: "", message: `upcast failed: ${message}` }], false, result.event.event_type);
    }
  }
}

function fail(
  issues: ValidationIssue[],
  unknownType: boolean,
  eventType?: string,
  label?: string,
  missing: readonly string[] = [],
): Extract<ValidationResult, { ok: false }> {
  // Every missing field is named, so one run of the command tells the user all they must add.
  const others = issues.filter((i) => !missing.includes(i.path));
  const shown = [
    ...(missing.length > 0
      ? [`missing ${missing.map((p) => p.slice(1).replaceAll("/", ".")).join(", ")}`]
      : []),
    ...others.slice(0, SUMMARY_ISSUES).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)),
  ].join("; ");
  const more = others.length > SUMMARY_ISSUES ? ` (and ${others.length - SUMMARY_ISSUES} more)` : "";
  const summary = `${label ? `${label}: ` : ""}${shown}${more}`;
  return eventType === undefined
    ? { ok: false, issues, summary, unknownType }
    : { ok: false, issues, summary, unknownType, eventType };
}

/** A new catalogue holding every core event type; extend it with `register`. */
export function createCatalogue(): EventCatalogue {
  const catalogue = new EventCatalogue();
  for (const definition of coreEventDefinitions) catalogue.register(definition);
  return catalogue;
}
