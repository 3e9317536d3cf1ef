import { describe, expect, it } from "vitest";
import { readLog } from "./reader.js";
import { planRetention } from "./retention.js";
import { partFiles, tempRoot, trial } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

const at = (iso: string) => Date.parse(iso);

describe("partitions", () => {
  it("put each event in the folder of its own UTC day, not the day it was appended", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root, clock: () => at("2026-11-30T12:00:00Z") });
    // A backfill: months-old events, mixed with a live one, in one batch and one at a time.
    await writer.appendMany([
      { ...trial("old", 1), timestamp_ms: at("2026-03-01T23:59:59.999Z") },
      trial("live", 1),
      { ...trial("old", 2), timestamp_ms: at("2026-03-02T00:00:00Z") },
      { ...trial("old", 3), timestamp_ms: at("2026-03-01T08:00:00Z") },
    ]);
    await writer.append({ ...trial("old", 4), timestamp_ms: at("2026-03-02T10:00:00Z") });
    await writer.close();
    expect(partFiles(root)).toEqual([
      "day=2026-03-01/part-000001.jsonl",
      "day=2026-03-02/part-000001.jsonl",
      "day=2026-11-30/part-000001.jsonl",
    ]);
    const trials = async (day: string) => {
      const out: unknown[] = [];
      for await (const { event } of readLog({ root, fromDay: day, toDay: day })) out.push(event.trial_id);
      return out;
    };
    expect(await trials("2026-03-01")).toEqual(["t-1", "t-3"]);
    expect(await trials("2026-03-02")).toEqual(["t-2", "t-4"]);
    // Retention judges a backfilled day by when its events happened.
    const plan = planRetention({ root, deleteAfterMs: 90 * 86_400_000, now: at("2026-11-30T12:00:00Z") });
    expect(plan.delete).toEqual(["day=2026-03-01", "day=2026-03-02"]);
  });

  it("refuses a time past year 9999, which no partition can be named for", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    await expect(writer.append({ ...trial("r", 1), timestamp_ms: 253_402_300_800_000 })).rejects.toThrow(
      /timestamp_ms/,
    );
    await writer.close();
  });
});
