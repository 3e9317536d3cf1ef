import { describe, expect, it } from "vitest";
import { LineSplitter } from "./line-splitter.js";

function split(text: string, chunkSize: number, maxLineBytes: number, emitFrom?: number) {
  const seen: string[] = [];
  const splitter = new LineSplitter(
    0,
    maxLineBytes,
    {
      line: (line, offset, length) => seen.push(`${offset}+${length} ${line}`),
      tooLarge: (offset, length) => seen.push(`${offset}+${length} too large`),
    },
    emitFrom,
  );
  const bytes = Buffer.from(text);
  const reused = Buffer.alloc(chunkSize);
  for (let at = 0; at < bytes.length; at += chunkSize) {
    // One buffer for every chunk, as a reader that reuses its buffer passes them.
    const n = bytes.copy(reused, 0, at, Math.min(at + chunkSize, bytes.length));
    splitter.push(reused.subarray(0, n), at);
  }
  return { seen, consumed: splitter.consumed, pending: splitter.pending };
}

describe("LineSplitter", () => {
  const text = `ab\n${"x".repeat(12)}\nééé\ncd\ntail`;
  const expected = ["0+3 ab", "3+13 too large", "16+7 ééé", "23+3 cd"];

  it("gives the same lines, offsets and lengths whatever the chunk size", () => {
    for (const size of [1, 2, 3, 5, 8, 64]) {
      expect(split(text, size, 10), `chunks of ${size}`).toEqual({
        seen: expected,
        consumed: 26,
        pending: 4,
      });
    }
  });

  it("reads but does not emit the lines that start before emitFrom", () => {
    for (const size of [1, 4, 64]) {
      expect(split(text, size, 10, 16).seen, `chunks of ${size}`).toEqual(expected.slice(2));
    }
  });

  it("counts an oversized unfinished tail as pending", () => {
    expect(split(`ab\n${"x".repeat(30)}`, 4, 10)).toEqual({ seen: ["0+3 ab"], consumed: 3, pending: 30 });
  });
});
