import { getEventListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LogWaker } from "./log-waker.js";

describe("LogWaker", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "ledger-waker-"));
    dirs.push(d);
    return d;
  };

  it("leaves no listener on a long-lived signal once closed", async () => {
    const events = dir();
    const controller = new AbortController();
    for (let i = 0; i < 1000; i++) {
      const waker = new LogWaker(events, 1, controller.signal);
      await waker.wait();
      waker.close();
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("wakes a wait when its signal aborts", async () => {
    const controller = new AbortController();
    const waker = new LogWaker(dir(), 60_000, controller.signal);
    const started = Date.now();
    const waiting = waker.wait();
    controller.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    waker.close();
  });
});
