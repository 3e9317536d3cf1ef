import { describe, expect, it } from "vitest";
import { createEventIdFactory, eventIdTime, newEventId } from "./event-id.js";

describe("event ids", () => {
  it("are ULIDs carrying their time", () => {
    const id = newEventId(1_769_126_400_000);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(eventIdTime(id)).toBe(1_769_126_400_000);
    expect(eventIdTime("0190d3e6-0000-7000-8000-000000000000")).toBeUndefined();
  });

  it("strictly increase when the clock stalls or steps back", () => {
    const next = createEventIdFactory();
    const clock = [1000, 1000, 1000, 999, 500, 1001, 1001, 2000, 1500];
    const ids = clock.map((t) => next(t));
    for (let i = 1; i < ids.length; i++)
      expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
  });

  it("are unique across many calls", () => {
    const ids = new Set(Array.from({ length: 50_000 }, () => newEventId()));
    expect(ids.size).toBe(50_000);
  });
});
