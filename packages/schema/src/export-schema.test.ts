import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { createCatalogue } from "./catalogue.js";
import { defineEvent } from "./events/define.js";
import { canonicalJson, catalogueJsonSchema, writeCatalogueSchema } from "./export-schema.js";
import { edited, invalidEdits, validExamples } from "./test-support/examples.js";
import { validateEvent } from "./validate.js";

describe("JSON Schema export", () => {
  it("is byte-for-byte deterministic, whatever the registration order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ledger-schema-"));
    const a = await writeCatalogueSchema(join(dir, "a.json"));
    const b = await writeCatalogueSchema(join(dir, "b.json"), createCatalogue());
    expect(a).toBe(b);
    expect(await readFile(join(dir, "a.json"), "utf8")).toBe(a);
    const x = createCatalogue()
      .register(defineEvent("b.happened", 1, "global", { n: Type.Number() }))
      .register(defineEvent("a.happened", 1, "global", { s: Type.String() }));
    const y = createCatalogue()
      .register(defineEvent("a.happened", 1, "global", { s: Type.String() }))
      .register(defineEvent("b.happened", 1, "global", { n: Type.Number() }));
    expect(canonicalJson(catalogueJsonSchema(x))).toBe(canonicalJson(catalogueJsonSchema(y)));
  });

  it("means what the TypeBox types mean, checked by an independent validator (ajv)", () => {
    const exported = JSON.parse(canonicalJson(catalogueJsonSchema()));
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(exported);
    let checked = 0;
    for (const [type, example] of Object.entries(validExamples)) {
      expect(validate(example), `${type}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      checked++;
      for (const edit of invalidEdits[type as keyof typeof invalidEdits]) {
        const bad = edited(example, edit);
        expect(validate(bad), `${type} ${JSON.stringify(edit)}`).toBe(validateEvent(bad).ok);
        expect(validate(bad)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(exported["x-ledger"]["alert.ingested"]).toMatchObject({
      scope: "global",
      truncatable: ["payload"],
    });
  });
});
