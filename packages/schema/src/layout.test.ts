import { describe, expect, it } from "vitest";
import {
  isDay,
  ledgerPaths,
  parsePartPath,
  partFileName,
  partFilePath,
  resolveRoot,
  runArtifactsDir,
  utcDay,
} from "./layout.js";

describe("on-disk layout", () => {
  it("partitions by the UTC day of a timestamp", () => {
    expect(utcDay(Date.parse("2026-01-23T23:59:59.999Z"))).toBe("2026-01-23");
    expect(utcDay(Date.parse("2026-01-24T00:00:00.000Z"))).toBe("2026-01-24");
    expect(utcDay(Date.parse("2026-01-24T01:00:00+02:00"))).toBe("2026-01-23");
  });

  it("names part files and parses them back", () => {
    expect(partFileName(1)).toBe("part-000001.jsonl");
    expect(partFileName(1_234_567, true)).toBe("part-1234567.jsonl.gz");
    const path = partFilePath("/r/events", "2026-01-23", 2);
    expect(path).toBe("/r/events/day=2026-01-23/part-000002.jsonl");
    expect(parsePartPath(path)).toEqual({ day: "2026-01-23", part: 2, compressed: false });
    expect(parsePartPath("/r/events/day=2026-01-23/part-000002.jsonl.gz")?.compressed).toBe(true);
    expect(parsePartPath("/r/events/day=2026-01-23/part-000002.jsonl.lock")).toBeUndefined();
    expect(parsePartPath("/r/events/day=2026-02-30/part-000002.jsonl")).toBeUndefined();
    expect(parsePartPath("/r/events/_quarantine/part-000002.jsonl")).toBeUndefined();
  });

  it("checks days", () => {
    expect(isDay("2026-01-23")).toBe(true);
    expect(isDay("2026-13-01")).toBe(false);
    expect(isDay("2026-1-1")).toBe(false);
  });

  it("resolves the root from flag, then env, then default", () => {
    expect(resolveRoot("/flag", { LEDGER_ROOT: "/env" })).toBe("/flag");
    expect(resolveRoot(undefined, { LEDGER_ROOT: "/env" })).toBe("/env");
    expect(resolveRoot(undefined, {})).toBe("data/ledger");
    expect(ledgerPaths("/r").runsDb).toBe("/r/index/runs.duckdb");
  });

  it("keeps run artifact directories inside the root", () => {
    expect(runArtifactsDir("/r", "run-1")).toBe("/r/artifacts/runs/run-1");
    expect(() => runArtifactsDir("/r", "../../etc")).toThrow(/invalid run id/);
  });
});
