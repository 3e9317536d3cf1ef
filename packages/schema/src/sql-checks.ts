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
 * checks do not model: escapes (so every string's text is its value), control and line-separator
 * characters, trailing commas and NaN/Infinity (DuckDB accepts them, JSON.parse does not), and
 * numbers that may overflow a double.
 */
const UNDECIDABLE_TEXT =
  "\\\\|[\\x00-\\x1f\\x{2028}\\x{2029}]|,\\s*[\\]}]|[:,\\[]\\s*[-+]?(?i:nan|inf)|[:,\\[]\\s*-?[0-9.]+[eE][-+]?[0-9]{3}|[0-9]{300}";

/** A number as DuckDB writes one back out of a JSON document. */
const NUMBER_TEXT = "-?[0-9][0-9.eE+-]*";

interface Context {
  /** Lambda parameters in scope, so nested ones get their own name. */
  depth: number;
}

type SchemaNode = TSchema & Record<string, unknown>;

/*
 * Every check reads a value as the JSON text DuckDB's `json_extract` gives back (VARCHAR, SQL NULL
 * when absent): its first character tells its JSON type, and with no escapes in the line a
 * string's text between its quotes is its value. String tests cost a fraction of parsing the
 * value again, which is what keeps a line's checks near the cost of reading it.
 */
const isString = (t: string) => `starts_with(${t}, '"')`;
const isObject = (t: string) => `starts_with(${t}, '{')`;
const isArray = (t: string) => `starts_with(${t}, '[')`;
// No `IN (...)` lists anywhere: DuckDB plans a long one as a join of its own.
const isNumber = (t: string) => `(ascii(${t}) BETWEEN 48 AND 57 OR ascii(${t}) = 45)`;
/** Written as an integer: no fraction, no exponent (DuckDB writes 1e2 as 100.0). */
const isIntegerText = (t: string) =>
  `(${isNumber(t)} AND NOT contains(${t}, '.') AND NOT contains(${t}, 'e') AND NOT contains(${t}, 'E'))`;
/** A string's value; `substring` counts characters, so a combining mark after the quote stays. */
const stringValue = (t: string) => `substring(${t}, 2, length(${t}) - 2)`;

/** `t` is a value's JSON text or SQL NULL (absent); the result is TRUE, FALSE or NULL (undecided). */
function check(schema: SchemaNode, t: string, ctx: Context): string {
  switch (schema[Kind]) {
    case "Unknown":
    case "Any":
      return onlyKeys(schema, []) ? "true" : "NULL";
    case "Null":
      return onlyKeys(schema, ["type"]) ? `(${t} = 'null')` : "NULL";
    case "Boolean":
      return onlyKeys(schema, ["type"]) ? `(${t} = 'true' OR ${t} = 'false')` : "NULL";
    case "String":
      return stringCheck(schema, t);
    case "Integer":
      return numberCheck(schema, t, true);
    case "Number":
      return numberCheck(schema, t, false);
    case "Literal":
      return literalCheck(schema, t);
    case "Union":
      return unionCheck(schema, t, ctx);
    case "Array":
      return arrayCheck(schema, t, ctx);
    case "Record":
      return recordCheck(schema, t, ctx);
    case "Object":
      return nestedObjectCheck(schema, t, ctx);
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

/** Whether a name or constant reads the same as JSON text and as SQL (nothing JSON escapes). */
function plainText(text: string): boolean {
  return !/["\\\x00-\x1f\u2028\u2029]/.test(text);
}

/**
 * TypeBox counts UTF-16 code units; DuckDB's `length` counts code points, so characters outside
 * the Basic Multilingual Plane count once more. Measured on the quoted text, less its quotes.
 */
function utf16Length(t: string): string {
  return `(CASE WHEN strlen(${t}) = length(${t}) THEN length(${t}) ELSE length(${t}) + length(regexp_replace(${t}, '[^\\x{10000}-\\x{10FFFF}]', '', 'g')) END - 2)`;
}

function stringCheck(schema: SchemaNode, t: string): string {
  if (!onlyKeys(schema, ["type", "minLength", "maxLength", "pattern"])) return "NULL";
  const parts: string[] = [];
  const { minLength, maxLength, pattern } = schema as {
    minLength?: number;
    maxLength?: number;
    pattern?: string;
  };
  if (minLength !== undefined || maxLength !== undefined) {
    const length = utf16Length(t);
    if (minLength !== undefined && minLength > 0) parts.push(`${length} >= ${minLength}`);
    if (maxLength !== undefined) parts.push(`${length} <= ${maxLength}`);
  }
  if (pattern !== undefined) parts.push(patternCheck(pattern, t));
  const rest = parts.length > 0 ? parts.join(" AND ") : "true";
  return `(CASE WHEN ${isString(t)} THEN (${rest}) ELSE false END)`;
}

/**
 * JavaScript's `RegExp.test` on a string without astral characters or escapes behaves as RE2
 * does on ASCII text, once leading negative lookaheads (which RE2 lacks) become separate
 * `NOT regexp_matches`. Non-ASCII text, or a pattern with other constructs, is left undecided.
 */
function patternCheck(pattern: string, t: string): string {
  const translated = re2Pattern(pattern);
  if (!translated) return "NULL";
  const s = stringValue(t);
  const tests = [
    `regexp_matches(${s}, ${sqlString(translated.body)})`,
    ...translated.forbidden.map((f) => `NOT regexp_matches(${s}, ${sqlString(f)})`),
  ].join(" AND ");
  return `(CASE WHEN strlen(${t}) = length(${t}) THEN (${tests}) END)`;
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

function numberCheck(schema: SchemaNode, t: string, integer: boolean): string {
  if (!onlyKeys(schema, ["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))
    return "NULL";
  const b = schema as {
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
  };
  const bounds = (x: string) => {
    const parts = [
      b.minimum !== undefined ? `${x} >= ${numberLiteral(b.minimum)}` : "",
      b.maximum !== undefined ? `${x} <= ${numberLiteral(b.maximum)}` : "",
      b.exclusiveMinimum !== undefined ? `${x} > ${numberLiteral(b.exclusiveMinimum)}` : "",
      b.exclusiveMaximum !== undefined ? `${x} < ${numberLiteral(b.exclusiveMaximum)}` : "",
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(" AND ") : "true";
  };
  const d = `TRY_CAST(${t} AS DOUBLE)`;
  if (!integer) return `(CASE WHEN ${isNumber(t)} THEN ${bounds(d)} ELSE false END)`;
  // Integers past 2^53 read differently in the two parsers; 1.0 and 1e2 are integers to JavaScript.
  const i = `TRY_CAST(${t} AS BIGINT)`;
  return `(CASE WHEN ${isIntegerText(t)} THEN (CASE WHEN abs(${i}) <= ${SAFE_INTEGER} THEN ${bounds(i)} END)
    WHEN ${isNumber(t)} THEN (CASE WHEN floor(${d}) = ${d} THEN NULL ELSE false END)
    ELSE false END)`;
}

function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) return "NULL";
  return Number.isInteger(n) ? String(n) : `${n}::DOUBLE`;
}

function literalCheck(schema: SchemaNode, t: string): string {
  if (!onlyKeys(schema, ["type", "const"])) return "NULL";
  const value = schema.const;
  if (typeof value === "string") return plainText(value) ? `(${t} = ${sqlString(`"${value}"`)})` : "NULL";
  if (typeof value === "boolean") return `(${t} = '${value}')`;
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    return `(CASE WHEN ${t} = '${value}' THEN true WHEN ${isNumber(t)} AND NOT ${isIntegerText(t)} THEN NULL ELSE false END)`;
  }
  return "NULL";
}

function unionCheck(schema: SchemaNode, t: string, ctx: Context): string {
  const members = schema.anyOf as SchemaNode[] | undefined;
  if (!members || !onlyKeys(schema, ["anyOf"])) return "NULL";
  // Three-valued OR is the union's meaning: one member TRUE is enough, all FALSE is FALSE.
  return `(${members.map((m) => check(m, t, ctx)).join(" OR ") || "false"})`;
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

function arrayCheck(schema: SchemaNode, t: string, ctx: Context): string {
  if (!onlyKeys(schema, ["type", "items", "minItems", "maxItems"])) return "NULL";
  const items = schema.items as SchemaNode | undefined;
  if (!items || Array.isArray(items)) return "NULL";
  const { minItems, maxItems } = schema as { minItems?: number; maxItems?: number };
  const list = `json_extract(${t}, '$[*]')::VARCHAR[]`;
  const parts = [
    minItems !== undefined ? `len(${list}) >= ${minItems}` : "",
    maxItems !== undefined ? `len(${list}) <= ${maxItems}` : "",
    everyElement(list, items, ctx),
  ].filter(Boolean);
  return `(CASE WHEN ${isArray(t)} THEN (${parts.join(" AND ")}) ELSE false END)`;
}

/** Keys that repeat read differently (JSON.parse keeps the last, DuckDB the first): undecided. */
function distinctKeys(keys: string): string {
  // A column's keys: each key first found at its own position, several times cheaper in DuckDB
  // than `list_distinct`. An expression would be evaluated again for each key: `list_distinct`.
  if (/^\w+$/.test(keys))
    return `coalesce(list_bool_and(list_transform(${keys}, lambda _key, _at: list_position(${keys}, _key) = _at)), true)`;
  return `len(${keys}) = len(list_distinct(${keys}))`;
}

function recordCheck(schema: SchemaNode, t: string, ctx: Context): string {
  const patterns = schema.patternProperties as Record<string, SchemaNode> | undefined;
  if (!patterns || !onlyKeys(schema, ["type", "patternProperties"])) return "NULL";
  const entries = Object.entries(patterns);
  // TypeBox's string-keyed record; `.` excludes line terminators, which the text filter keeps out.
  if (entries.length !== 1 || entries[0]?.[0] !== "^(.*)$") return "NULL";
  const values = entries[0][1];
  const kind = values[Kind];
  if (check(values, "x", ctx) === "true") return isObject(t);
  // A map of plain numbers is one pattern over the object's text (keys hold no quote: no escapes).
  // Repeated keys need no care here: whichever value a parser keeps is a number.
  if ((kind === "Number" || kind === "Integer") && onlyKeys(values, ["type"])) {
    const value = kind === "Number" ? NUMBER_TEXT : "-?[0-9]+";
    const all = `regexp_full_match(${t}, ${sqlString(`\\{(?:"[^"]*":${value}(?:,"[^"]*":${value})*)?\\}`)})`;
    return kind === "Number"
      ? `(CASE WHEN ${isObject(t)} THEN ${all} ELSE false END)`
      : `(CASE WHEN ${all} THEN true WHEN ${isObject(t)} THEN NULL ELSE false END)`;
  }
  const each = everyElement(`json_extract(${t}, '$.*')::VARCHAR[]`, values, ctx);
  return `(CASE WHEN NOT ${isObject(t)} THEN false WHEN ${distinctKeys(`json_keys(${t})`)} THEN ${each} END)`;
}

/**
 * An object's properties and keys, each read once: `property(name)` is a property's JSON text,
 * `keys` the list of its keys.
 */
function objectCheck(
  schema: SchemaNode,
  keys: string,
  property: (name: string) => string,
  ctx: Context,
): string {
  if (!onlyKeys(schema, ["type", "properties", "required", "additionalProperties"])) return "NULL";
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  const names = Object.keys(properties);
  if (!names.every(plainText)) return "NULL";
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
  return `(${parts.length > 0 ? parts.join(" AND ") : "true"})`;
}

/** An object inside an event; it is small, so each use of a property reads it again. */
function nestedObjectCheck(schema: SchemaNode, t: string, ctx: Context): string {
  const keys = `json_keys(${t})`;
  const inner = objectCheck(
    schema,
    keys,
    (name) => `json_extract(${t}, ${sqlString(jsonPath(name))})::VARCHAR`,
    { depth: ctx.depth + 1 },
  );
  return `(CASE WHEN NOT ${isObject(t)} THEN false WHEN ${distinctKeys(keys)} THEN ${inner} END)`;
}

/** What a line's verdict and envelope are made of, NULL for lines no type's check reads. */
const NO_VERDICT =
  "{valid: NULL::BOOLEAN, event_id: NULL::VARCHAR, schema_version: NULL::INTEGER, run_id: NULL::VARCHAR, seq: NULL::BIGINT, timestamp_ms: NULL::BIGINT}";

/** The verdict on lines no type's check accepts (`false`) or that no type's check reads (`NULL`). */
const REFUSED = NO_VERDICT.replace("NULL::BOOLEAN", "false");

/**
 * The verdict on lines of one type (at its latest version), and their envelope, from `field`:
 * the JSON text of each field, read in one pass with every other type's (see `eventCheckSql`).
 */
function typeVerdict(
  catalogue: EventCatalogue,
  definition: EventDefinition,
  field: (name: string) => string,
): string {
  const names = Object.keys(definition.schema.properties);
  if (!names.every(plainText)) return NO_VERDICT;
  const current = objectCheck(definition.schema as unknown as SchemaNode, "_k", field, { depth: 0 });
  const older = catalogue
    .definitions()
    .filter((d) => d.type === definition.type && d.version !== definition.version)
    .map((d) => `'${d.version}'`);
  // An older version is the upcaster's, whatever SQL could say of it.
  const valid =
    older.length > 0
      ? `CASE WHEN list_contains([${older.join(", ")}], ${field("schema_version")}) THEN NULL ELSE ${current} END`
      : current;
  const run = definition.scope === "run";
  return `{
      valid: ${valid},
      event_id: ${stringValue(field("event_id"))},
      schema_version: TRY_CAST(${field("schema_version")} AS INTEGER),
      run_id: ${run ? stringValue(field("run_id")) : "NULL::VARCHAR"},
      seq: ${run ? `TRY_CAST(${field("seq")} AS BIGINT)` : "NULL::BIGINT"},
      timestamp_ms: TRY_CAST(${field("timestamp_ms")} AS BIGINT)}`;
}

/**
 * The two steps of `eventCheckSql`, for a caller that runs them as statements of its own:
 * `fields` reads each line's keys (`_k`), its type (`_et`) and the JSON text of the fields its
 * type has (`_f`), and `verdict(fields)` turns a table or view holding that result into the
 * verdict columns. `fields` keeps every column of `source`, or with `carry` only that one (and
 * not the line).
 */
export function eventCheckSteps(
  catalogue: EventCatalogue,
  source: string,
  carry?: string,
): { fields: string; verdict: (fields: string) => string } {
  const latest = catalogue.types().map((t) => catalogue.get(t) as EventDefinition);
  // Each type reads only its own fields: one list of every field any type has would be
  // extracted, and stored, for every line, most of it NULL.
  const namesOf = (d: EventDefinition) => [
    ...new Set(["event_type", ...Object.keys(d.schema.properties).filter(plainText)]),
  ];
  const fieldOf = (d: EventDefinition) => {
    const names = namesOf(d);
    return (name: string) => `_f[${names.indexOf(name) + 1}]`;
  };
  const kept = carry === undefined ? "* EXCLUDE (_k, _f, _et, _v)" : carry;
  const extracts = latest.map(
    (d) =>
      `WHEN _et = ${sqlString(d.type)} THEN json_extract(line, [${namesOf(d)
        .map((n) => sqlString(jsonPath(n)))
        .join(", ")}])::VARCHAR[]`,
  );
  const branches = latest.map(
    (d) => `WHEN _et = ${sqlString(d.type)} THEN ${typeVerdict(catalogue, d, fieldOf(d))}`,
  );
  // `_f` is NULL when the line is not an object both parsers read alike (no verdict), and an
  // empty list for a type the catalogue lacks or an `event_type` that is not a string (refused).
  const fields = `SELECT ${carry === undefined ? "*" : "* EXCLUDE (line)"},
      CASE WHEN _k IS NOT NULL AND ${distinctKeys("_k")}
           THEN CASE ${extracts.join("\n             ")} ELSE []::VARCHAR[] END END AS _f
    FROM (
      SELECT * EXCLUDE (_t), CASE WHEN ${isString("_t")} THEN ${stringValue("_t")} END AS _et
      FROM (
        SELECT *, CASE WHEN _k IS NOT NULL THEN json_extract(line, ${sqlString(jsonPath("event_type"))})::VARCHAR END AS _t
        FROM (
          SELECT ${carry === undefined ? "*" : `${carry}, line`},
            CASE WHEN starts_with(line, '{') AND ends_with(line, '}')
                   AND NOT regexp_matches(line, ${sqlString(UNDECIDABLE_TEXT)}) AND json_valid(line)
                 THEN json_keys(line) END AS _k
          FROM ${source}
        )
      )
    )`;
  const verdict = (from: string) => `SELECT ${kept}, _v.valid AS valid,
    CASE WHEN _v.valid THEN _v.event_id END AS event_id,
    CASE WHEN _v.valid THEN _et END AS event_type,
    CASE WHEN _v.valid THEN _v.schema_version END AS schema_version,
    CASE WHEN _v.valid THEN _v.run_id END AS run_id,
    CASE WHEN _v.valid THEN _v.seq END AS seq,
    CASE WHEN _v.valid THEN _v.timestamp_ms END AS timestamp_ms
  FROM (
    SELECT *, CASE WHEN _f IS NULL THEN ${NO_VERDICT} WHEN _et IS NULL THEN ${REFUSED}
      ${branches.join("\n      ")}
      ELSE ${REFUSED} END AS _v
    FROM ${from}
  )`;
  return { fields, verdict };
}

/**
 * A query over `source` (a table, view or subquery with a VARCHAR column `line`: one log line
 * without its newline) returning every column of `source` plus `valid` (TRUE, FALSE or NULL as
 * above) and, for valid lines, the envelope the index keys on: `event_id`, `event_type`,
 * `schema_version`, `run_id` and `seq` (NULL unless the type is run-scoped), `timestamp_ms`.
 *
 * A line is parsed four times in all (validity, keys, its type, and the fields its type has, in
 * one `json_extract`), and each type's checks run on its own lines only, as branches of one CASE.
 *
 * With `carry`, the result keeps only that column of `source` (a row key) beside the verdict,
 * so the line's text is not carried past the step that parses it.
 */
export function eventCheckSql(
  catalogue: EventCatalogue,
  source: string,
  options: {
    /** The one column of `source` to return. @default every column */
    carry?: string;
  } = {},
): string {
  const { fields, verdict } = eventCheckSteps(catalogue, source, options.carry);
  // The fields are read into a materialized step: DuckDB otherwise inlines the expression into
  // each of its many uses, parsing the line again for every field a check looks at.
  return `WITH _typed AS MATERIALIZED (${fields})\n${verdict("_typed")}`;
}
