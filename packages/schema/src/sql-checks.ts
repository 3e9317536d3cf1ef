import { Kind, type TSchema } from "@sinclair/typebox";
import type { EventCatalogue } from "./catalogue.js";
import type { EventDefinition } from "./events/define.js";
import { sqlString } from "./sql-text.js";

/**
 * SQL that checks log lines against the catalogue, generated from each type's TypeBox schema so
 * it can never drift from the validator. Every check is three-valued: TRUE when the line is an
 * event the validator accepts as it is (current version, no upcast), FALSE when it would refuse
 * it, NULL when SQL cannot decide (a construct DuckDB reads differently from `JSON.parse`, a
 * keyword the generator does not translate, an older version that needs upcasting). Callers
 * send every line that is not TRUE to the JavaScript validator, which has the last word.
 */

/** Largest integer JavaScript holds exactly: beyond it, JSON.parse and DuckDB read different numbers. */
const SAFE_INTEGER = 9007199254740991;

/** Schema keys that describe rather than constrain. */
const ANNOTATIONS = new Set(["title", "description", "$id", "$schema", "$comment", "default", "examples"]);

/**
 * Lines whose text JSON.parse and DuckDB might read differently, or that hold what the generated
 * checks do not model: escapes (a decoded string could differ from the raw text), control and
 * line-separator characters, trailing commas and NaN/Infinity (DuckDB accepts them, JSON.parse
 * does not).
 */
const UNDECIDABLE_TEXT = "\\\\|[\\x00-\\x1f\\x{2028}\\x{2029}]|,\\s*[\\]}]|[:,\\[]\\s*[-+]?(?i:nan|inf)";

interface Context {
  /** Lambda parameters in scope, so nested ones get their own name. */
  depth: number;
}

type SchemaNode = TSchema & Record<string, unknown>;

/** `expr` is a JSON value or SQL NULL (absent); the result is TRUE, FALSE or NULL (undecided). */
function check(schema: SchemaNode, expr: string, ctx: Context): string {
  switch (schema[Kind]) {
    case "Unknown":
    case "Any":
      return onlyKeys(schema, []) ? "true" : "NULL";
    case "Null":
      return onlyKeys(schema, ["type"]) ? `(json_type(${expr}) = 'NULL')` : "NULL";
    case "Boolean":
      return onlyKeys(schema, ["type"]) ? `(json_type(${expr}) = 'BOOLEAN')` : "NULL";
    case "String":
      return stringCheck(schema, expr);
    case "Integer":
      return numberCheck(schema, expr, true);
    case "Number":
      return numberCheck(schema, expr, false);
    case "Literal":
      return literalCheck(schema, expr);
    case "Union":
      return unionCheck(schema, expr, ctx);
    case "Array":
      return arrayCheck(schema, expr, ctx);
    case "Record":
      return recordCheck(schema, expr, ctx);
    case "Object":
      return objectCheck(
        schema,
        `json_keys(${expr})`,
        (name) => `json_extract(${expr}, ${sqlString(jsonPath(name))})`,
        expr,
        ctx,
      );
    default:
      return "NULL";
  }
}

/** Whether the schema has no constraining keyword besides `allowed`. */
function onlyKeys(schema: SchemaNode, allowed: readonly string[]): boolean {
  return Object.keys(schema).every((k) => allowed.includes(k) || ANNOTATIONS.has(k));
}

function jsonPath(name: string): string {
  return `$."${name}"`;
}

/** Whether a property name can be written into a JSON path and a SQL literal as it is. */
function plainName(name: string): boolean {
  return !/["\\\x00-\x1f]/.test(name);
}

const stringValue = (expr: string) => `json_extract_string(${expr}, '$')`;

/**
 * TypeBox counts UTF-16 code units; DuckDB's `length` counts code points, so characters outside
 * the Basic Multilingual Plane count once more.
 */
function utf16Length(s: string): string {
  return `(CASE WHEN strlen(${s}) = length(${s}) THEN length(${s}) ELSE length(${s}) + length(regexp_replace(${s}, '[^\\x{10000}-\\x{10FFFF}]', '', 'g')) END)`;
}

function stringCheck(schema: SchemaNode, expr: string): string {
  if (!onlyKeys(schema, ["type", "minLength", "maxLength", "pattern"])) return "NULL";
  const s = stringValue(expr);
  const parts: string[] = [];
  const { minLength, maxLength, pattern } = schema as {
    minLength?: number;
    maxLength?: number;
    pattern?: string;
  };
  if (minLength !== undefined || maxLength !== undefined) {
    const length = utf16Length(s);
    if (minLength !== undefined) parts.push(`${length} >= ${minLength}`);
    if (maxLength !== undefined) parts.push(`${length} <= ${maxLength}`);
  }
  if (pattern !== undefined) parts.push(patternCheck(pattern, s));
  const rest = parts.length > 0 ? parts.join(" AND ") : "true";
  return `(CASE WHEN json_type(${expr}) = 'VARCHAR' THEN (${rest}) ELSE false END)`;
}

/**
 * JavaScript's `RegExp.test` on a string without astral characters or escapes behaves as RE2
 * does on ASCII text, once leading negative lookaheads (which RE2 lacks) become separate
 * `NOT regexp_matches`. Non-ASCII text, or a pattern with other constructs, is left undecided.
 */
function patternCheck(pattern: string, s: string): string {
  const translated = re2Pattern(pattern);
  if (!translated) return "NULL";
  const tests = [
    `regexp_matches(${s}, ${sqlString(translated.body)})`,
    ...translated.forbidden.map((f) => `NOT regexp_matches(${s}, ${sqlString(f)})`),
  ].join(" AND ");
  return `(CASE WHEN strlen(${s}) = length(${s}) THEN (${tests}) END)`;
}

/** A JavaScript pattern as RE2 patterns: one that must match and any that must not. */
export function re2Pattern(pattern: string): { body: string; forbidden: string[] } | undefined {
  let rest = pattern;
  const forbidden: string[] = [];
  if (rest.startsWith("^")) {
    rest = rest.slice(1);
    while (rest.startsWith("(?!")) {
      const end = groupEnd(rest, 0);
      if (end === undefined) return undefined;
      forbidden.push(`^(?:${rest.slice(3, end)})`);
      rest = rest.slice(end + 1);
    }
    rest = `^${rest}`;
  }
  const parts = [rest, ...forbidden].map(plainRe2);
  if (parts.some((p) => p === undefined)) return undefined;
  const [body, ...not] = parts as string[];
  return { body: body as string, forbidden: not };
}

/** Index of the `)` closing the group opened at `start`, honouring escapes and classes. */
function groupEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
    } else if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

/** The pattern if RE2 reads it as JavaScript does (on ASCII text), or undefined. */
function plainRe2(pattern: string): string | undefined {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!/[dDwWs.\\\-^$*+?()[\]{}|/]/.test(next) || next === "") return undefined;
      out += next === "/" ? "/" : `\\${next}`;
      i++;
    } else if (c === "(" && pattern[i + 1] === "?" && pattern[i + 2] !== ":") {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

function numberCheck(schema: SchemaNode, expr: string, integer: boolean): string {
  if (!onlyKeys(schema, ["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))
    return "NULL";
  const bounds = (x: string) => {
    const b = schema as {
      minimum?: number;
      maximum?: number;
      exclusiveMinimum?: number;
      exclusiveMaximum?: number;
    };
    const parts = [
      b.minimum !== undefined ? `${x} >= ${numberLiteral(b.minimum)}` : "",
      b.maximum !== undefined ? `${x} <= ${numberLiteral(b.maximum)}` : "",
      b.exclusiveMinimum !== undefined ? `${x} > ${numberLiteral(b.exclusiveMinimum)}` : "",
      b.exclusiveMaximum !== undefined ? `${x} < ${numberLiteral(b.exclusiveMaximum)}` : "",
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(" AND ") : "true";
  };
  const d = `TRY_CAST(${expr} AS DOUBLE)`;
  if (!integer) {
    return `(CASE WHEN json_type(${expr}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN isfinite(${d}) AND ${bounds(d)} ELSE false END)`;
  }
  // Integers past 2^53 read differently in the two parsers; 1.0 and 1e2 are integers to JavaScript.
  const i = `TRY_CAST(${expr} AS BIGINT)`;
  return `(CASE json_type(${expr})
    WHEN 'BIGINT' THEN (CASE WHEN abs(${i}) <= ${SAFE_INTEGER} THEN ${bounds(i)} END)
    WHEN 'UBIGINT' THEN (CASE WHEN ${i} <= ${SAFE_INTEGER} THEN ${bounds(i)} END)
    WHEN 'DOUBLE' THEN (CASE WHEN isfinite(${d}) AND floor(${d}) = ${d} THEN NULL ELSE false END)
    ELSE false END)`;
}

function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) return "NULL";
  return Number.isInteger(n) ? String(n) : `${n}::DOUBLE`;
}

function literalCheck(schema: SchemaNode, expr: string): string {
  if (!onlyKeys(schema, ["type", "const"])) return "NULL";
  const value = schema.const;
  if (typeof value === "string") {
    return `(json_type(${expr}) = 'VARCHAR' AND ${stringValue(expr)} = ${sqlString(value)})`;
  }
  if (typeof value === "boolean") {
    return `(json_type(${expr}) = 'BOOLEAN' AND TRY_CAST(${expr} AS BOOLEAN) = ${value})`;
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    const i = `TRY_CAST(${expr} AS BIGINT)`;
    return `(CASE json_type(${expr})
      WHEN 'BIGINT' THEN ${i} = ${value}
      WHEN 'UBIGINT' THEN (CASE WHEN ${i} <= ${SAFE_INTEGER} THEN ${i} = ${value} END)
      WHEN 'DOUBLE' THEN NULL ELSE false END)`;
  }
  return "NULL";
}

function unionCheck(schema: SchemaNode, expr: string, ctx: Context): string {
  const members = schema.anyOf as SchemaNode[] | undefined;
  if (!members || !onlyKeys(schema, ["anyOf"])) return "NULL";
  // Three-valued OR is the union's meaning: one member TRUE is enough, all FALSE is FALSE.
  return `(${members.map((m) => check(m, expr, ctx)).join(" OR ") || "false"})`;
}

/**
 * TRUE when every element passes, FALSE when one fails, NULL otherwise: a plain `list_bool_and`
 * would skip the undecided ones.
 */
function everyElement(list: string, element: SchemaNode, ctx: Context): string {
  const x = `x${ctx.depth}`;
  const inner = check(element, x, { depth: ctx.depth + 1 });
  if (inner === "true") return "true";
  return `(CASE list_min(list_transform(${list}, lambda ${x}: coalesce((${inner})::INTEGER * 2, 1)))
    WHEN 0 THEN false WHEN 1 THEN NULL ELSE true END)`;
}

function arrayCheck(schema: SchemaNode, expr: string, ctx: Context): string {
  if (!onlyKeys(schema, ["type", "items", "minItems", "maxItems"])) return "NULL";
  const items = schema.items as SchemaNode | undefined;
  if (!items || Array.isArray(items)) return "NULL";
  const { minItems, maxItems } = schema as { minItems?: number; maxItems?: number };
  const parts = [
    minItems !== undefined ? `json_array_length(${expr}) >= ${minItems}` : "",
    maxItems !== undefined ? `json_array_length(${expr}) <= ${maxItems}` : "",
    everyElement(`json_extract(${expr}, '$[*]')`, items, ctx),
  ].filter(Boolean);
  return `(CASE WHEN json_type(${expr}) = 'ARRAY' THEN (${parts.join(" AND ")}) ELSE false END)`;
}

/** Keys that repeat read differently (JSON.parse keeps the last, DuckDB the first): undecided. */
function distinctKeys(keys: string): string {
  return `len(${keys}) = len(list_distinct(${keys}))`;
}

function recordCheck(schema: SchemaNode, expr: string, ctx: Context): string {
  const patterns = schema.patternProperties as Record<string, SchemaNode> | undefined;
  if (!patterns || !onlyKeys(schema, ["type", "patternProperties"])) return "NULL";
  const entries = Object.entries(patterns);
  // TypeBox's string-keyed record; `.` excludes line terminators, which the text filter keeps out.
  if (entries.length !== 1 || entries[0]?.[0] !== "^(.*)$") return "NULL";
  const values = everyElement(`json_extract(${expr}, '$.*')`, entries[0][1], ctx);
  return `(CASE WHEN json_type(${expr}) <> 'OBJECT' THEN false
    WHEN ${distinctKeys(`json_keys(${expr})`)} THEN ${values} END)`;
}

function objectCheck(
  schema: SchemaNode,
  keys: string,
  property: (name: string) => string,
  expr: string | undefined,
  ctx: Context,
): string {
  if (!onlyKeys(schema, ["type", "properties", "required", "additionalProperties"])) return "NULL";
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  const names = Object.keys(properties);
  if (!names.every(plainName)) return "NULL";
  const additional = schema.additionalProperties;
  if (additional !== undefined && typeof additional !== "boolean") return "NULL";
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const parts = names.map((name) => {
    const value = property(name);
    const inner = check(properties[name] as SchemaNode, value, ctx);
    return required.has(name) ? `(${value} IS NOT NULL AND ${inner})` : `(${value} IS NULL OR ${inner})`;
  });
  if (additional === false) {
    parts.unshift(`list_has_all([${names.map(sqlString).join(", ")}]::VARCHAR[], ${keys})`);
  }
  const all = parts.length > 0 ? parts.join(" AND ") : "true";
  if (expr === undefined) return `(${all})`;
  return `(CASE WHEN json_type(${expr}) <> 'OBJECT' THEN false WHEN ${distinctKeys(keys)} THEN (${all}) END)`;
}

/** The top-level fields some registered type names, each read once per line. */
function topLevelFields(definitions: readonly EventDefinition[]): string[] {
  const names = new Set(["event_id", "event_type", "schema_version", "timestamp_ms", "run_id", "seq"]);
  for (const d of definitions) for (const name of Object.keys(d.schema.properties)) names.add(name);
  return [...names].filter(plainName);
}

/**
 * A query over `source` (a table, view or subquery with a VARCHAR column `line`: one log line
 * without its newline) returning every column of `source` plus `valid` (TRUE, FALSE or NULL as
 * above) and, for valid lines, the envelope the index keys on: `event_id`, `event_type`,
 * `schema_version`, `run_id` and `seq` (NULL unless the type is run-scoped), `timestamp_ms`.
 * Each line is parsed a handful of times in all, however many fields its type has.
 */
export function eventCheckSql(catalogue: EventCatalogue, source: string): string {
  const latest = catalogue.types().map((t) => catalogue.get(t) as EventDefinition);
  const fields = topLevelFields(catalogue.definitions());
  const at = (name: string) => `_f[${fields.indexOf(name) + 1}]`;
  const byType = latest.map((definition) => {
    const older = catalogue
      .definitions()
      .filter((d) => d.type === definition.type && d.version !== definition.version)
      .map((d) => d.version);
    const current = objectCheck(
      definition.schema as unknown as SchemaNode,
      "_k",
      (name) => (fields.includes(name) ? at(name) : `json_extract(line, ${sqlString(jsonPath(name))})`),
      undefined,
      { depth: 0 },
    );
    const sv = at("schema_version");
    const upcast =
      older.length > 0
        ? `WHEN json_type(${sv}) IN ('BIGINT', 'UBIGINT') AND TRY_CAST(${sv} AS BIGINT) IN (${older.join(", ")}) THEN NULL `
        : "";
    return `WHEN _et = ${sqlString(definition.type)} THEN ${upcast ? `(CASE ${upcast}ELSE ${current} END)` : current}`;
  });
  const runScoped = latest.filter((d) => d.scope === "run").map((d) => sqlString(d.type));
  const inRun = (value: string) =>
    runScoped.length > 0 ? `CASE WHEN _et IN (${runScoped.join(", ")}) THEN ${value} END` : "NULL";
  const paths = `[${fields.map((f) => sqlString(jsonPath(f))).join(", ")}]`;
  return `SELECT * EXCLUDE (_f, _k, _et),
    CASE WHEN valid THEN json_extract_string(${at("event_id")}, '$') END AS event_id,
    CASE WHEN valid THEN _et END AS event_type,
    CASE WHEN valid THEN TRY_CAST(${at("schema_version")} AS INTEGER) END AS schema_version,
    CASE WHEN valid THEN ${inRun(`json_extract_string(${at("run_id")}, '$')`)} END AS run_id,
    CASE WHEN valid THEN ${inRun(`TRY_CAST(${at("seq")} AS BIGINT)`)} END AS seq,
    CASE WHEN valid THEN TRY_CAST(${at("timestamp_ms")} AS BIGINT) END AS timestamp_ms
  FROM (
    SELECT *,
      CASE WHEN _f IS NULL OR NOT ${distinctKeys("_k")} THEN NULL
        WHEN json_type(${at("event_type")}) IS DISTINCT FROM 'VARCHAR' THEN false
        ${byType.join("\n        ")}
        ELSE false END AS valid
    FROM (
      SELECT *, json_extract_string(_f[${fields.indexOf("event_type") + 1}], '$') AS _et
      FROM (
        SELECT *,
          CASE WHEN left(line, 1) = '{' AND right(line, 1) = '}'
                 AND NOT regexp_matches(line, ${sqlString(UNDECIDABLE_TEXT)}) AND json_valid(line)
               THEN json_extract(line, ${paths}) END AS _f,
          CASE WHEN _f IS NOT NULL THEN json_keys(line) END AS _k
        FROM ${source}
      )
    )
  )`;
}
