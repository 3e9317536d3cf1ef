import { describe, expect, it } from "vitest";
import { pgJson, pgText } from "./pg-json.js";

describe("pgJson", () => {
  it("leaves ordinary JSON as JSON.stringify writes it", () => {
    const value = { a: "x\ny\t\u0001", b: [1, null, "é😀"], "\\u0000": "\\u0000" };
    expect(pgJson(value)).toEqual({ text: JSON.stringify(value), escaped: 0 });
  });

  it("stores NUL and lone surrogates as their escape text, in keys and values, and counts them", () => {
    const { text, escaped } = pgJson({ "k\u0000": ["a\u0000b", "\\\u0000", "\ud800", "x\udc00", "😀"] });
    expect(escaped).toBe(5);
    expect(JSON.parse(text)).toEqual({ "k\\u0000": ["a\\u0000b", "\\\\u0000", "\\ud800", "x\\udc00", "😀"] });
  });

  it("escapes plain strings the same way", () => {
    expect(pgText("fp\u0000x\ud800😀")).toEqual({ text: "fp\\u0000x\\ud800😀", escaped: 2 });
    expect(pgText("plain")).toEqual({ text: "plain", escaped: 0 });
  });
});
