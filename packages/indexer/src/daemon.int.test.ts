import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { runDaemon } from "./daemon.js";
import { IndexerOptionError } from "./errors.js";
import { readHealth } from "./health.js";
import { tempRoot } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The JS heap after a full collection, in bytes. */
function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Rounds in all, and how many of them publish an appended run (each costs a publication). */
const ROUNDS = 3000;
const BUSY_ROUNDS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("runDaemon", () => {
  it("holds its signal's listeners and its heap flat over thousands of idle and busy rounds", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1, prefix: "first" }));
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    let busy = 0;
    const daemon = runDaemon({
      root,
      watch: false,
      intervalSeconds: 0.001,
      debounceMs: 1,
      signal: controller.signal,
      onRound: (report) => {
        if (report?.published) busy++;
      },
    });
    const rounds = () => readHealth(root)?.rounds ?? 0;
    let listeners = 0;
    const look = () => {
      listeners = Math.max(listeners, getEventListeners(controller.signal, "abort").length);
    };
    let heapBefore: number | undefined;
    try {
      // Busy rounds: each publishes one appended run. Idle rounds: those that find nothing new.
      for (let run = 0; busy < BUSY_ROUNDS || rounds() < ROUNDS; run++) {
        if (busy < BUSY_ROUNDS) {
          const before = busy;
          writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1, prefix: `r${run}` }), "2026-01-05");
          while (busy === before) await sleep(2);
        }
        await sleep(20);
        look();
        if (heapBefore === undefined && rounds() >= 1000) heapBefore = heapUsed();
      }
    } finally {
      controller.abort();
      process.off("warning", onWarning);
    }
    const health = await daemon;
    const growth = heapUsed() - (heapBefore ?? 0);
    expect(health.errors).toEqual([]);
    expect(health.rounds).toBeGreaterThanOrEqual(ROUNDS);
    // One listener is the log waker's, one the wait between rounds while it waits.
    expect(listeners).toBeLessThanOrEqual(2);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  }, 180_000);

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses intervalSeconds %s", async (interval) => {
    await expect(runDaemon({ root: tempRoot(), intervalSeconds: interval })).rejects.toThrow(
      IndexerOptionError,
    );
  });
});
