import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { progressBar } from "./progress.js";

/** A stream that says it is a terminal and keeps what is written to it. */
function terminal(isTTY = true) {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return Object.assign(stream, { isTTY, columns: 100, output: () => text });
}

describe("progressBar", () => {
  // The bar redraws on a timer, and once more when stopped: each test reads that last drawing.
  it("shows bytes as MB", () => {
    const stream = terminal();
    const bar = progressBar("indexing", "bytes", stream);
    bar.update(5_000_000, 20_000_000);
    bar.stop();
    expect(stream.output()).toMatch(/indexing .*25% \| 5\.0\/20\.0 MB/);
  });

  it("counts runs as runs, not in a MB slot", () => {
    const stream = terminal();
    const bar = progressBar("backfilling", "runs", stream);
    bar.update(30, 120);
    bar.stop();
    expect(stream.output()).toMatch(/backfilling .*25% \| 30\/120 runs/);
    expect(stream.output()).not.toMatch(/MB/);
  });

  it("writes nothing when the stream is not a terminal", () => {
    const stream = terminal(false);
    const bar = progressBar("indexing", "bytes", stream);
    bar.update(1, 2);
    bar.stop();
    expect(stream.output()).toBe("");
  });
});
