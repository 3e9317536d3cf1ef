import { describe, expect, it } from "vitest";
import { QuietRanges } from "./handoff.js";

describe("QuietRanges", () => {
  it("covers a stretch only from where it was learnt, so an older generation still asks", () => {
    const quiet = new QuietRanges();
    expect(quiet.covers("alerts", "f", 100, 200)).toBe(false);
    quiet.add("alerts", "f", 100, 200);
    expect(quiet.covers("alerts", "f", 100, 200)).toBe(true);
    expect(quiet.covers("alerts", "f", 150, 180)).toBe(true);
    // A generation checkpointed before the stretch may lack lines in 50..100.
    expect(quiet.covers("alerts", "f", 50, 200)).toBe(false);
    expect(quiet.covers("catalog", "f", 100, 200)).toBe(false);
    expect(quiet.covers("alerts", "g", 100, 200)).toBe(false);
    expect(quiet.covers("alerts", "f", 300, 300)).toBe(true);
  });

  it("joins touching stretches and moves on to a later one that does not touch", () => {
    const quiet = new QuietRanges();
    quiet.add("alerts", "f", 100, 200);
    quiet.add("alerts", "f", 200, 300);
    expect(quiet.covers("alerts", "f", 100, 300)).toBe(true);
    quiet.add("alerts", "f", 50, 120);
    expect(quiet.covers("alerts", "f", 50, 300)).toBe(true);
    quiet.add("alerts", "f", 400, 500);
    expect(quiet.covers("alerts", "f", 400, 500)).toBe(true);
    expect(quiet.covers("alerts", "f", 250, 450)).toBe(false);
    quiet.add("alerts", "f", 0, 10); // earlier and apart: the later stretch is kept
    expect(quiet.covers("alerts", "f", 400, 500)).toBe(true);
  });
});
