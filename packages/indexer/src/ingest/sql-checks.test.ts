import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  createCatalogue,
  defineEvent,
  EVENT_ID_PATTERN,
  eventCheckSql,
  re2Pattern,
  SAFE_ID_PATTERN,
  SAFE_RELATIVE_PATH_PATTERN,
  type StoredEvent,
  Type,
} from "@ledger/schema";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A type beyond the core ones, with the keywords the core types do not use, in two versions.
const Custom1 = defineEvent("custom.thing", 1, "global", { size: Type.Integer() });
const Custom2 = defineEvent(
  "custom.thing",
  2,
  "global",
  {
    sizes: Type.Array(Type.Integer({ exclusiveMinimum: -3, maximum: 10 }), { minItems: 1, maxItems: 3 }),
    ratio: Type.Number({ exclusiveMaximum: 1.5 }),
    flag: Type.Optional(Type.Boolean()),
    nothing: Type.Optional(Type.Null()),
    mode: Type.Union([Type.Literal("a"), Type.Literal(7), Type.Literal(true)]),
    tags: Type.Record(Type.String(), Type.String({ maxLength: 3 })),
  },
  { upcast: ({ size, ...e }) => ({ ...e, sizes: [size], ratio: 0, mode: "a", tags: {} }) },
);
const catalogue = createCatalogue().register(Custom1).register(Custom2);

/** TypeBox marks each schema with its kind under this symbol. */
const Kind = Symbol.for("TypeBox.Kind");
type Node = Record<string | symbol, unknown>;

/** Values of a schema: valid ones mostly, some on or past a boundary, some unrelated JSON. */
function near(schema: Node): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 30, arbitrary: valid(schema) },
    { weight: 1, arbitrary: edge(schema) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

function valid(schema: Node): fc.Arbitrary<unknown> {
  switch (schema[Kind]) {
    case "String":
      return stringOf(schema as { minLength?: number; maxLength?: number; pattern?: string });
    case "Integer":
    case "Number": {
      const b = schema as Record<string, number | undefined>;
      const min = b.minimum ?? (b.exclusiveMinimum ?? -1_000_000) + 1;
      const max = Math.min(b.maximum ?? (b.exclusiveMaximum ?? 2 ** 53) - 1, 2 ** 53 - 1);
      const whole = fc.oneof(
        fc.integer({ min: Math.ceil(Math.max(min, -1_000)), max: Math.floor(Math.min(max, 1_000)) }),
        fc.constantFrom(Math.ceil(min), Math.floor(max)),
      );
      return schema[Kind] === "Integer"
        ? whole
        : fc.oneof(whole, fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
    }
    case "Boolean":
      return fc.boolean();
    case "Null":
      return fc.constant(null);
    case "Literal":
      return fc.constant(schema.const);
    case "Union":
      return fc.oneof(...(schema.anyOf as Node[]).map(valid));
    case "Array":
      return fc.array(valid(schema.items as Node), {
        minLength: Number(schema.minItems ?? 0),
        maxLength: Number(schema.maxItems ?? 4),
      });
    case "Record": {
      const [values] = Object.values(schema.patternProperties as Record<string, Node>);
      // Nested, unicode keys and values.
      return fc.dictionary(fc.string({ unit: "grapheme", maxLength: 6 }), near(values as Node), {
        maxKeys: 4,
      });
    }
    case "Object": {
      const properties = schema.properties as Record<string, Node>;
      const required = new Set(schema.required as string[]);
      const entries = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, near(v)]));
      return fc.record(entries, {
        requiredKeys: Object.keys(properties).filter((k) => required.has(k)),
      }) as fc.Arbitrary<unknown>;
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** Values on a boundary of the schema or just past it. */
function edge(schema: Node): fc.Arbitrary<unknown> {
  const kind = schema[Kind];
  if (kind === "String") {
    const s = schema as { minLength?: number; maxLength?: number };
    const around = [
      s.minLength ?? 0,
      s.maxLength ?? 12,
      (s.maxLength ?? 12) + 1,
      Math.max(0, (s.minLength ?? 0) - 1),
    ];
    // In ASCII and in characters that take two UTF-16 units.
    return fc.oneof(
      fc.constantFrom(
        ...around.flatMap((n) => ["a".repeat(n), "😀".repeat(Math.ceil(n / 2)), `é${"b".repeat(n)}`]),
      ),
      fc.string({ unit: "binary", maxLength: 16 }),
    );
  }
  if (kind === "Integer" || kind === "Number") {
    const b = schema as Record<string, number | undefined>;
    const edges = [b.minimum, b.maximum, b.exclusiveMinimum, b.exclusiveMaximum]
      .filter((n): n is number => n !== undefined)
      .flatMap((n) => [n - 1, n, n + 1, n + 0.5]);
    return fc.oneof(
      fc.double(),
      fc.constantFrom(0, -0, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 63, 1.5, 1e21, 1e300, ...edges),
    );
  }
  if (kind === "Array") return fc.array(near(schema.items as Node), { maxLength: 5 });
  return fc.jsonValue({ maxDepth: 2 });
}

const chars = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const safeChars = "abcXYZ019._-";
/** Strings of the catalogue's patterns, made directly: generating them from the regex is slow. */
const patterned: Record<string, fc.Arbitrary<string>> = {
  [EVENT_ID_PATTERN]: fc.oneof(chars("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26, 26), fc.uuid()),
  [SAFE_ID_PATTERN]: chars(safeChars, 1, 20),
  [SAFE_RELATIVE_PATH_PATTERN]: fc
    .array(chars(safeChars, 1, 8), { minLength: 1, maxLength: 3 })
    .map((p) => p.join("/")),
  "^[0-9a-f]{64}$": chars("0123456789abcdef", 64, 64),
};

function stringOf(s: { minLength?: number; maxLength?: number; pattern?: string }): fc.Arbitrary<string> {
  const max = s.maxLength ?? 12;
  const min = s.minLength ?? 0;
  if (s.pattern) {
    const full = new RegExp(s.pattern);
    return (patterned[s.pattern] ?? fc.stringMatching(full)).filter(
      (v) => full.test(v) && v.length >= min && v.length <= (s.maxLength ?? v.length),
    );
  }
  return fc
    .oneof(
      fc.string({ unit: "grapheme", minLength: min, maxLength: Math.min(max, 12) }),
      fc.string({ unit: "grapheme-ascii", minLength: min, maxLength: Math.min(max, 12) }),
    )
    .filter((v) => v.length >= min && v.length <= max);
}

const byType = catalogue.definitions();

/** An event of any type and version, then perhaps broken: a field dropped, added or retyped. */
const event = fc
  .constantFrom(...byType)
  .chain((definition) =>
    fc.tuple(
      valid(definition.schema as unknown as Node),
      fc.constantFrom(...Array(10).fill("none"), "drop", "add", "retype", "type", "version"),
      fc.nat(),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  )
  .map(([value, mutation, n, other]) => {
    const e = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(e);
    const key = keys[n % keys.length] ?? "event_id";
    if (mutation === "drop") delete e[key];
    if (mutation === "add") e[`extra_${n % 3}`] = other;
    if (mutation === "retype") e[key] = other;
    if (mutation === "type") e.event_type = ["run.created", "nope.nope", 5][n % 3];
    if (mutation === "version") e.schema_version = [2, 1, "1", 1.0, 3][n % 5];
    return e;
  });

/** The line of an event, sometimes written in a way that only some JSON parsers accept. */
const line = fc
  .tuple(
    event,
    fc.constantFrom(...Array(10).fill("plain"), "spaced", "comma", "nan", "dup", "bom", "cut", "escaped"),
    fc.nat(),
  )
  .map(([e, form, n]) => {
    const text = JSON.stringify(e);
    const keys = Object.keys(e);
    const key = keys[n % Math.max(keys.length, 1)] ?? "seq";
    switch (form) {
      case "spaced":
        return JSON.stringify(e, null, 1).replaceAll("\n", " ");
      case "comma":
        return `${text.slice(0, -1)},}`;
      case "nan":
        return text.replace(/:(-?\d+(\.\d+)?)/, ":NaN");
      case "dup":
        return `${text.slice(0, -1)}${keys.length > 0 ? "," : ""}${JSON.stringify(key)}:${JSON.stringify([n])}}`;
      case "bom":
        return `\uFEFF${text}`;
      case "cut":
        return text.slice(0, n % text.length);
      case "escaped":
        return text.replace(/"([a-z])/, '"\\u00$1'.replace("$1", "6$1".slice(0, 2)));
      default:
        return text;
    }
  })
  .filter((l) => !l.includes("\n"));

/** What the indexer's JavaScript path makes of a line: the event, or undefined if refused. */
function javascript(text: string): StoredEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
  const result = catalogue.read(value);
  return result.ok && result.event === value ? result.event : result.ok ? ({} as StoredEvent) : undefined;
}

describe("generated SQL checks", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  async function sqlVerdicts(lines: string[]) {
    await connection.run("CREATE OR REPLACE TABLE lines (n INTEGER, line VARCHAR)");
    const appender = await connection.createAppender("lines");
    lines.forEach((l, i) => {
      appender.appendInteger(i);
      appender.appendVarchar(l);
      appender.endRow();
    });
    appender.closeSync();
    const reader = await connection.runAndReadAll(
      `SELECT n, valid, event_id, event_type, schema_version, run_id, seq, timestamp_ms
       FROM (${eventCheckSql(catalogue, "lines")}) ORDER BY n`,
    );
    const rows = reader.getRowObjectsJS();
    expect(rows.map((r) => r.n)).toEqual(lines.map((_l, i) => i));
    return rows;
  }

  it("agree with the TypeBox validator wherever SQL decides, and decide valid events themselves", async () => {
    let decidedValid = 0;
    let valid = 0;
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 40, maxLength: 80 }), async (lines) => {
        const rows = await sqlVerdicts(lines);
        for (const [i, text] of lines.entries()) {
          const row = rows[i] as Record<string, unknown>;
          const js = javascript(text);
          const upcast = js !== undefined && js.event_type === undefined;
          if (js && !upcast) valid++;
          else invalid++;
          if (row.valid === null) continue;
          expect({ text, sql: row.valid }).toEqual({ text, sql: js !== undefined && !upcast });
          if (!js || upcast) continue;
          decidedValid++;
          const runScoped = catalogue.get(js.event_type)?.scope === "run";
          expect(row).toMatchObject({
            event_id: js.event_id,
            event_type: js.event_type,
            schema_version: js.schema_version,
            timestamp_ms: BigInt(js.timestamp_ms),
            run_id: runScoped ? js.run_id : null,
            seq: runScoped && js.seq !== undefined ? BigInt(js.seq) : null,
          });
        }
      }),
      { numRuns: 40, endOnFailure: true },
    );
    // Not a test that cannot fail: both outcomes occur, and SQL settles a share of the valid lines
    // itself (the rest hold escapes, non-ASCII text under a pattern or the like).
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(300);
    expect(decidedValid / valid).toBeGreaterThan(0.3);
  }, 400_000);

  it("leave lines of an older version to the upcaster", async () => {
    const old = {
      event_id: "01JJ0000000000000000000000",
      event_type: "custom.thing",
      schema_version: 1,
      timestamp_ms: 1,
      size: 2,
    };
    const [row] = await sqlVerdicts([JSON.stringify(old)]);
    expect(row?.valid).toBeNull();
  });

  it("translate leading lookaheads, and refuse patterns RE2 cannot read", () => {
    expect(re2Pattern("^(?!\\.{1,2}$)(?!.*\\.\\.)[A-Za-z0-9._-]{1,128}$")).toEqual({
      body: "^[A-Za-z0-9._-]{1,128}$",
      forbidden: ["^(?:\\.{1,2}$)", "^(?:.*\\.\\.)"],
    });
    expect(re2Pattern("^a(?=b)")).toBeUndefined();
    expect(re2Pattern("(a)\\1")).toBeUndefined();
  });
});
