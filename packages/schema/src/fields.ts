import type { EventDefinition } from "./events/define.js";

/** Envelope fields every event (or every run-scoped event) has; not a type's own fields. */
const ENVELOPE = new Set(["event_id", "event_type", "schema_version", "timestamp_ms", "run_id", "seq"]);

/** One field an event type takes besides the envelope. */
export interface EventField {
  name: string;
  required: boolean;
  /** Its JSON type in a few characters: `string`, `integer`, `object`, `string[]`, `a|b|c`. */
  type: string;
}

interface JsonSchema {
  type?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
}

/** The fields of one version of an event type besides the envelope, in declaration order. */
export function eventFields(definition: EventDefinition): EventField[] {
  const properties = definition.schema.properties as Record<string, JsonSchema>;
  const required = new Set(definition.schema.required ?? []);
  return Object.entries(properties)
    .filter(([name]) => !ENVELOPE.has(name))
    .map(([name, schema]) => ({ name, required: required.has(name), type: typeName(schema) }));
}

function typeName(schema: JsonSchema): string {
  if (schema.const !== undefined) return String(schema.const);
  if (schema.anyOf) return schema.anyOf.map(typeName).join("|");
  if (schema.type === "array") return `${schema.items ? typeName(schema.items) : "unknown"}[]`;
  if (schema.type === "object" && schema.patternProperties) {
    const [values] = Object.values(schema.patternProperties);
    return values?.type ? `object of ${values.type}s` : "object";
  }
  return schema.type ?? "any";
}
