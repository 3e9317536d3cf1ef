import { describe, expect, it } from "vitest";
import { InvalidIdentifierError } from "./errors.js";
import { assertSafeId, isSafeId, isSafeRelativePath, resolveInside } from "./identifiers.js";

const traversal = [
  "..",
  ".",
  "../etc",
  "a/../b",
  "..%2f..%2fetc",
  "%2e%2e",
  "/etc/passwd",
  "a\\..\\b",
  "run\0id",
  "run id",
  "",
  "x".repeat(129),
  "run/1",
  "C:\\win",
  "~root",
  "a..b",
];

describe("identifier rules", () => {
  it.each(traversal)("rejects %j as an id", (id) => {
    expect(isSafeId(id)).toBe(false);
    expect(() => assertSafeId(id, "run id")).toThrow(InvalidIdentifierError);
  });

  it.each(["run-1", "2026.01.23_a", "A_b-C.d", "x".repeat(128)])("accepts %j", (id) => {
    expect(isSafeId(id)).toBe(true);
  });

  it("names the kind and the reason in one line", () => {
    expect(() => assertSafeId("../x", "run id")).toThrow(/^invalid run id "..\/x": contains '..'$/);
  });

  it.each(["../x", "a/../../x", "/abs", "a//b", "./a", "a/.", "a\\b", "a\0b", ""])(
    "rejects %j as a relative path",
    (p) => {
      expect(isSafeRelativePath(p)).toBe(false);
      expect(() => resolveInside("/data/run", p)).toThrow(InvalidIdentifierError);
    },
  );

  it("resolves a safe relative path inside its base", () => {
    expect(resolveInside("/data/run", "reports/summary.json")).toBe("/data/run/reports/summary.json");
  });
});
