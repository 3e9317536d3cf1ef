import { describe, expect, it } from "vitest";
import type { StoredEvent } from "./catalogue.js";
import { LineTooLargeError } from "./errors.js";
import { alertIngested, phaseCompleted, runStarted, trialRecorded } from "./events/core.js";
import { DEFAULT_MAX_LINE_BYTES, parseEventLine, serializeEvent, TRUNCATION_PREVIEW_BYTES } from "./line.js";

describe("serializeEvent", () => {
  it("writes one JSON line ending in a newline", () => {
    const event = runStarted({ run_id: "r1" }) as StoredEvent;
    const line = serializeEvent(event);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(line)).toEqual(event);
  });

  it("cuts a truncatable field with a marker when the line is over the limit", () => {
    const payload = { blob: "é".repeat(200_000) };
    const event = alertIngested({ alert_id: "a", source: "s", received_at_ms: 1, payload }) as StoredEvent;
    const line = serializeEvent(event, { maxLineBytes: 64 * 1024 });
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(64 * 1024);
    const back = JSON.parse(line);
    expect(back.payload._truncated).toBe(true);
    expect(back.payload.original_bytes).toBe(Buffer.byteLength(JSON.stringify(payload)));
    expect(Buffer.byteLength(back.payload.preview)).toBeLessThanOrEqual(TRUNCATION_PREVIEW_BYTES);
    expect(back.payload.preview).not.toContain("\uFFFD");
  });

  it("cuts a 2 MB truncatable field under the default limit, and the line reads back", () => {
    const output_summary = { rows: Array.from({ length: 100_000 }, (_, i) => ({ i, v: "x".repeat(10) })) };
    const event = phaseCompleted({
      run_id: "r",
      phase: "load",
      duration_ms: 5,
      output_summary,
    }) as StoredEvent;
    expect(JSON.stringify(output_summary).length).toBeGreaterThan(2_000_000);
    const line = serializeEvent(event);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES);
    const back = parseEventLine(line.slice(0, -1));
    expect(back).toMatchObject({ ok: true, event: { output_summary: { _truncated: true } } });
  });

  it("refuses an oversized event with no truncatable field", () => {
    const event = trialRecorded({ run_id: "r", trial_id: "t", params: { x: "y".repeat(2000) }, metrics: {} });
    expect(() => serializeEvent(event as StoredEvent, { maxLineBytes: 1000 })).toThrow(LineTooLargeError);
  });
});

describe("parseEventLine", () => {
  const good = JSON.stringify(runStarted({ run_id: "r1" }));

  it("parses and validates a good line, with or without a BOM", () => {
    expect(parseEventLine(good)).toMatchObject({ ok: true, event: { run_id: "r1" } });
    expect(parseEventLine(`\uFEFF${good}`)).toMatchObject({ ok: true });
  });

  it.each([
    ["malformed JSON", '{"event_type": "run.started"', /malformed JSON/],
    ["NUL bytes", "\0\0\0\0", /malformed JSON/],
    ["a number", "42", /must be a JSON object/],
    ["unknown type", good.replace("run.started", "run.exploded"), /unknown event type/],
    ["missing field", JSON.stringify({ ...JSON.parse(good), run_id: undefined }), /run_id/],
  ])("returns a reason for %s instead of throwing", (_name, line, reason) => {
    const result = parseEventLine(line);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("refuses a line over the limit without parsing it", () => {
    const result = parseEventLine(`{"x":"${"a".repeat(5000)}"}`, { maxLineBytes: 1000 });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("over the 1000-byte limit") });
  });

  it("keeps __proto__ keys as plain data", () => {
    const line = good.replace("{", '{"__proto__":{"polluted":true},');
    parseEventLine(line);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
