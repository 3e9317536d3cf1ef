import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openWriter } from "@ledger/writer";
import { describe, expect, it } from "vitest";
import { readHealth } from "./health.js";
import { openIndexer } from "./indexer.js";
import { indexLag } from "./lag.js";
import { spawnChild } from "./test-support/children.js";
import { indexDigest } from "./test-support/index-digest.js";
import { reader, rebuiltDigest, tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(20);
  }
}

describe("readers and the indexer in separate processes", () => {
  it("a reader querying in a loop never sees a lock error or a half-applied update", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 20, prefix: "p0" }));
    await indexer.update();
    const child = spawnChild("reader", [root]);
    let publications = 0;
    for (let i = 1; i <= 60; i++) {
      writeLog(
        root,
        backtestEvents({ runs: 1, trialsPerRun: 50, prefix: `p${i}` }),
        "2026-01-05",
        1 + (i % 3),
      );
      if ((await indexer.update()).published) publications++;
    }
    writeFileSync(join(root, "stop"), "");
    const seen = JSON.parse(await child.output) as {
      queries: number;
      lockErrors: number;
      errors: string[];
      partial: number;
      maxEvents: number;
    };
    expect(publications).toBe(60);
    expect(seen.lockErrors).toBe(0);
    expect(seen.errors).toEqual([]);
    expect(seen.partial).toBe(0);
    expect(seen.queries).toBeGreaterThan(50);
    expect(seen.maxEvents).toBeGreaterThan(0);
  });

  it("survives kill -9 mid-update: the next round loses nothing and duplicates nothing", async () => {
    const root = tempRoot();
    const total = writeLog(root, backtestEvents({ runs: 30, trialsPerRun: 60 }));
    for (let kill = 0; kill < 4; kill++) {
      const child = spawnChild("update", [root, kill % 2 === 0 ? "rebuild" : "loop"]);
      await until(async () => existsSync(join(root, "index/indexer.lock")) || undefined, 20_000);
      await sleep(150 + kill * 120);
      child.process.kill("SIGKILL");
      await child.output;
    }
    const indexer = track(await openIndexer({ root }));
    await indexer.update();
    const r = reader(root);
    const [counts] = await r.query(
      `SELECT (SELECT count(*) FROM event_pointers)::INTEGER AS events,
              (SELECT count(DISTINCT event_id) FROM event_pointers)::INTEGER AS ids,
              (SELECT count(*) FROM trial_results)::INTEGER AS trials,
              (SELECT count(*) FROM duplicate_events)::INTEGER AS dups`,
    );
    expect(counts).toEqual({ events: total, ids: total, trials: 30 * 60, dups: 0 });
  });

  it("the daemon wakes on an append (not its 30 s interval) and stops cleanly on SIGTERM", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 2 }));
    const daemon = spawnChild("daemon", [root]);
    const r = reader(root);
    await until(async () => ((await r.query("SELECT 1 AS ok")).length ? true : undefined), 20_000);
    const writer = await openWriter({ root });
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      const runId = `live-${i}`;
      await writer.append({ event_type: "run.started", run_id: runId });
      const started = Date.now();
      await until(
        async () =>
          (await r.query("SELECT 1 FROM runs_status WHERE run_id = $1", [runId])).length ? true : undefined,
        5_000,
      );
      lags.push(Date.now() - started);
    }
    await writer.close();
    // Waking on appends shows in the typical lag; one round slowed by a loaded machine does not
    // decide it (speed itself is the benchmark's to measure).
    lags.sort((a, b) => a - b);
    expect(lags[2]).toBeLessThan(1000);
    const health = readHealth(root);
    expect(health).toMatchObject({ alive: true, state: "running", errors: [] });
    daemon.process.kill("SIGTERM");
    expect(JSON.parse(await daemon.output)).toMatchObject({ state: "stopped" });
    expect(existsSync(join(root, "index/indexer.lock"))).toBe(false);
    expect(readHealth(root)).toMatchObject({ alive: false, state: "stopped" });
  });

  it("writer processes, the daemon and a reader at once: no lock error, no partial read, and the result equals a full rebuild", async () => {
    const root = tempRoot();
    const daemon = spawnChild("daemon", [root]);
    const watcher = spawnChild("reader", [root]);
    await until(async () => (readHealth(root)?.state === "running" ? true : undefined), 20_000);
    const writers = ["w1", "w2", "w3"].map((prefix) => spawnChild("writer", [root, prefix, "8"]));
    const live = reader(root);
    let written = 0;
    try {
      written = (await Promise.all(writers.map((w) => w.output))).reduce((n, out) => n + Number(out), 0);
      await until(async () => {
        const lag = await indexLag(live, root);
        return lag.bytes === 0 ? true : undefined;
      }, 60_000);
    } finally {
      writeFileSync(join(root, "stop"), "");
      daemon.process.kill("SIGTERM");
    }
    const seen = JSON.parse(await watcher.output) as {
      queries: number;
      lockErrors: number;
      partial: number;
      errors: string[];
    };
    const { rounds } = JSON.parse(await daemon.output) as { rounds: number };
    expect(rounds).toBeGreaterThan(3); // it indexed while the writers wrote, not once at the end
    expect(written).toBeGreaterThan(3 * 8 * 40);
    expect(seen).toMatchObject({ lockErrors: 0, partial: 0, errors: [] });
    expect(seen.queries).toBeGreaterThan(10);

    const daemonIndex = await indexDigest(live);
    expect(daemonIndex.event_pointers).toMatch(new RegExp(`^${written} `));
    expect(await rebuiltDigest(root)).toEqual(daemonIndex);
  });
});
