import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { createCatalogue } from "./catalogue.js";
import { CatalogueError, SchemaValidationError, UnknownEventTypeError } from "./errors.js";
import { coreEventDefinitions, createEvent, isEventType, runStarted, trialRecorded } from "./events/core.js";
import { defineEvent } from "./events/define.js";
import { RunStarted } from "./events/run.js";
import { edited, invalidEdits, validExamples } from "./test-support/examples.js";
import { assertEvent, validateEvent } from "./validate.js";

describe("core event types", () => {
  it("has an example for every core type", () => {
    expect(Object.keys(validExamples).sort()).toEqual(coreEventDefinitions.map((d) => d.type).sort());
  });

  for (const [type, example] of Object.entries(validExamples)) {
    it(`accepts a valid ${type}`, () => {
      const result = validateEvent(example);
      expect(result.ok, result.ok ? "" : result.summary).toBe(true);
    });

    for (const edit of invalidEdits[type as keyof typeof invalidEdits]) {
      it(`rejects ${type} with ${JSON.stringify(edit)}`, () => {
        const result = validateEvent(edited(example, edit));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        expect(result.summary).toContain(type);
        expect(result.summary).not.toContain("\n");
      });
    }
  }

  it("reports every error with its JSON path", () => {
    const bad = edited(validExamples["trial.recorded"], { metrics: { sharpe: "x" }, params: 1, extra: 1 });
    const result = validateEvent(bad);
    if (result.ok) throw new Error("expected failure");
    const paths = result.issues.map((i) => i.path);
    expect(paths).toContain("/metrics/sharpe");
    expect(paths).toContain("/params");
    expect(paths).toContain("/extra");
    expect(result.summary).toMatch(/\(and \d+ more\)$/);
  });

  it("names every missing field, each once, before the first other problem", () => {
    const { run_type, config, data_fingerprint, ...bare } = validExamples["run.created"] as Record<
      string,
      unknown
    >;
    const result = validateEvent(bare);
    if (result.ok) throw new Error("expected failure");
    expect(result.summary).toBe("run.created v1: missing run_type, config, data_fingerprint");
    expect(result.issues.map((i) => i.path)).toEqual(["/run_type", "/config", "/data_fingerprint"]);
    const alsoWrong = validateEvent({ ...bare, config: {}, git: { commit: 1 } });
    if (alsoWrong.ok) throw new Error("expected failure");
    expect(alsoWrong.summary).toMatch(
      /^run\.created v1: missing run_type, data_fingerprint, git\.branch, git\.dirty; \/git\/commit: /,
    );
  });

  it("names unknown types, missing types and bad versions", () => {
    const unknown = validateEvent({ ...validExamples["run.started"], event_type: "run.exploded" });
    expect(unknown).toMatchObject({ ok: false, unknownType: true });
    if (!unknown.ok) expect(unknown.summary).toContain('unknown event type "run.exploded"');
    expect(validateEvent({})).toMatchObject({
      ok: false,
      summary: expect.stringContaining("missing event_type"),
    });
    expect(validateEvent([])).toMatchObject({ ok: false, summary: expect.stringContaining("got an array") });
    expect(validateEvent({ ...validExamples["run.started"], schema_version: 9 })).toMatchObject({
      ok: false,
      summary: expect.stringContaining("unknown schema_version 9"),
    });
  });

  it("assertEvent throws typed errors with stable codes", () => {
    expect(() => assertEvent({ event_type: "nope.nope" })).toThrow(UnknownEventTypeError);
    try {
      assertEvent(edited(validExamples["run.created"], { run_type: 1 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaValidationError);
      expect((error as SchemaValidationError).code).toBe("LEDGER_SCHEMA_INVALID");
    }
    expect(assertEvent(validExamples["run.started"])).toBe(validExamples["run.started"]);
  });

  it("factories fill the envelope and produce valid events", () => {
    const event = trialRecorded({ run_id: "r1", trial_id: "t1", params: {}, metrics: { sharpe: 1 } });
    expect(event.event_type).toBe("trial.recorded");
    expect(event.schema_version).toBe(1);
    expect(event.event_id).toMatch(/^[0-9A-Z]{26}$/);
    expect(Math.abs(event.timestamp_ms - Date.now())).toBeLessThan(5_000);
    expect(validateEvent(event).ok).toBe(true);
    expect(isEventType(event, "trial.recorded")).toBe(true);
    expect(runStarted({ run_id: "r1", timestamp_ms: 5 }).timestamp_ms).toBe(5);
  });
});

describe("user catalogues", () => {
  const StartedV2 = defineEvent(
    "run.started",
    2,
    "run",
    { host: Type.String() },
    { upcast: (v1) => ({ ...v1, host: "unknown" }) },
  );

  it("registers a new type without touching the default catalogue", () => {
    const catalogue = createCatalogue().register(
      defineEvent("deploy.finished", 1, "global", { target: Type.String() }),
    );
    const event = {
      event_id: "01JJ0000000000000000000000",
      event_type: "deploy.finished",
      schema_version: 1,
      timestamp_ms: 1,
      target: "prod",
    };
    expect(catalogue.validate(event).ok).toBe(true);
    expect(validateEvent(event).ok).toBe(false);
  });

  it("upcasts an old version to the current shape on read", () => {
    const catalogue = createCatalogue().register(StartedV2);
    const v1 = createEvent(RunStarted, { run_id: "r1" });
    const result = catalogue.read(v1);
    expect(result).toMatchObject({ ok: true, event: { schema_version: 2, host: "unknown", run_id: "r1" } });
    const current = { ...v1, schema_version: 2, host: "h1" };
    expect(catalogue.read(current)).toMatchObject({ ok: true, event: { host: "h1" } });
    expect(catalogue.latestVersion("run.started")).toBe(2);
  });

  it("reports an upcaster that produces an invalid event", () => {
    const catalogue = createCatalogue().register({ ...StartedV2, upcast: (v1) => ({ ...v1, host: 42 }) });
    const result = catalogue.read(createEvent(RunStarted, { run_id: "r1" }));
    expect(result).toMatchObject({ ok: false, summary: expect.stringContaining("upcast failed") });
  });

  it("refuses inconsistent registrations", () => {
    expect(() => createCatalogue().register(RunStarted)).toThrow(CatalogueError);
    expect(() => createCatalogue().register({ ...StartedV2, upcast: undefined })).toThrow(/needs an upcast/);
    expect(() => createCatalogue().register({ ...StartedV2, version: 3 })).toThrow(/needs v2/);
    expect(() => createCatalogue().register(defineEvent("Bad Name", 1, "global", {}))).toThrow(/noun.verb/);
  });
});
