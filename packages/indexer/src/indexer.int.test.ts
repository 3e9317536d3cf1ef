import { execFileSync } from "node:child_process";
import { closeSync, linkSync, openSync, readFileSync, readSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createCatalogue, defineEvent, Type } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { IndexerLockedError } from "./errors.js";
import { openIndexer } from "./indexer.js";
import { coreProjections } from "./projections/core.js";
import { defineProjection } from "./projections/define.js";
import { indexDigest } from "./test-support/index-digest.js";
import { reader, rebuiltDigest, tempRoot, track } from "./test-support/index-fixture.js";
import { appendRaw, backtestEvents, writeLog } from "./test-support/workload.js";

const ev = (over: Record<string, unknown>) => ({
  schema_version: 1,
  timestamp_ms: Date.UTC(2026, 0, 5, 9),
  ...over,
});
let nextId = 0;
const id = () => `01JH${String(++nextId).padStart(22, "0")}`;
/** A trial line for an existing run: an event no catalog or alerts projection reads. */
const lateTrial = () =>
  `${JSON.stringify(ev({ event_id: id(), event_type: "trial.recorded", run_id: "run-000000", seq: 99, trial_id: "t-late", params: {}, metrics: { sharpe: 1 } }))}\n`;

describe("indexer", () => {
  it("builds the seeds' tables and views from a backtest log", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 14, trialsPerRun: 5 }));
    const indexer = track(await openIndexer({ root }));
    const report = await indexer.update();
    expect(report).toMatchObject({ published: true, quarantined: 0, duplicates: 0 });
    const r = reader(root);
    const statuses = await r.query(
      "SELECT status, count(*)::INTEGER AS n FROM latest_runs GROUP BY ALL ORDER BY 1",
    );
    expect(statuses).toEqual([
      { status: "failed", n: 2 },
      { status: "succeeded", n: 12 },
    ]);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM trial_results")).toEqual([{ n: 70 }]);
    const [summary] = await r.query("SELECT * FROM run_phase_summary WHERE run_id = $1", ["run-000000"]);
    expect(summary).toMatchObject({ phases: "6", phases_completed: "6" });
    const [metric] = await r.query(
      "SELECT metrics['sharpe'] AS sharpe, params->>'slow' AS slow FROM trial_results WHERE run_id = $1 AND trial_id = 't-1'",
      ["run-000000"],
    );
    expect(metric).toEqual({ sharpe: 0.37, slow: "21" });
    const [pointer] = await r.query("SELECT * FROM catalog.run_pointers WHERE run_id = 'run-000003'");
    expect(pointer).toMatchObject({
      artifacts_dir: "artifacts/runs/run-000003",
      events_file: "day=2026-01-05/part-000001.jsonl",
    });
  });

  it("publishes a database killed before its first publication, though the round has nothing for it", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3 }));
    const first = await openIndexer({ root });
    await first.update();
    await first.close();
    // What a kill between the first round's renames leaves: runs published, catalog set up and
    // filled in its generation but never published.
    rmSync(join(root, "index", "catalog.duckdb"));
    appendRaw(root, lateTrial());
    const indexer = track(await openIndexer({ root }));
    expect(await indexer.update()).toMatchObject({ events: 1, quarantined: 0 });
    const r = reader(root);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM catalog.run_pointers")).toEqual([{ n: 2 }]);
  });

  it("catches up a database a kill left committed but unpublished, in the next round", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3 }));
    const first = await openIndexer({ root });
    await first.update();
    const before = join(root, "catalog-before.duckdb");
    linkSync(join(root, "index", "catalog.duckdb"), before);
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3, prefix: "b" }), "2026-01-05", 2);
    await first.update();
    await first.close();
    // What a kill between publishing runs.duckdb and catalog.duckdb leaves: catalog's newer
    // generation committed, the one before it still published.
    renameSync(before, join(root, "index", "catalog.duckdb"));
    appendRaw(root, lateTrial());
    const indexer = track(await openIndexer({ root }));
    await indexer.update();
    expect(await indexDigest(reader(root))).toEqual(await rebuiltDigest(root));
  });

  it("quarantines bad lines with file, offset and reason, and indexes the rest", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 2 }));
    const good = readFileSync(join(root, "events/day=2026-01-05/part-000001.jsonl")).length;
    appendRaw(root, '{"event_type": "run.created", broken\n');
    appendRaw(root, `${JSON.stringify(ev({ event_id: id(), event_type: "no.such", run_id: "r" }))}\n`);
    appendRaw(
      root,
      `${JSON.stringify(ev({ event_id: id(), event_type: "trial.recorded", run_id: "r", trial_id: "t" }))}\n`,
    );
    appendRaw(root, `${"x".repeat(2 * 1024 * 1024)}\n`);
    appendRaw(
      root,
      `${JSON.stringify(ev({ event_id: id(), event_type: "run.started", run_id: "after-bad" }))}\n`,
    );
    appendRaw(root, '{"torn": ');
    const indexer = track(await openIndexer({ root }));
    const report = await indexer.update();
    expect(report.quarantined).toBe(4);
    const r = reader(root);
    const q = await r.query(
      "SELECT byte_offset::BIGINT AS o, kind, reason FROM quarantine ORDER BY byte_offset",
    );
    expect(q[0]).toMatchObject({ o: String(good), kind: "invalid" });
    expect(q.map((x) => String(x.reason))).toEqual([
      expect.stringContaining("malformed JSON"),
      expect.stringContaining("unknown event type"),
      expect.stringContaining("trial.recorded v1"),
      expect.stringContaining("over the line limit"),
    ]);
    expect(await r.query("SELECT status FROM runs_status WHERE run_id = 'after-bad'")).toEqual([
      { status: "running" },
    ]);
    // The torn tail is not indexed and not quarantined by the indexer: a writer may still be finishing it.
    expect(indexer.lag().bytes).toBe(9);
  });

  it("is incremental: a second round reads only new bytes, a third reads nothing", async () => {
    const root = tempRoot();
    const first = writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 10 }));
    const indexer = track(await openIndexer({ root }));
    expect((await indexer.update()).events).toBe(first);
    const more = writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 10, prefix: "late" }));
    const second = await indexer.update();
    expect(second.events).toBe(more);
    expect(second.bytes).toBeLessThan(
      readFileSync(join(root, "events/day=2026-01-05/part-000001.jsonl")).length / 2,
    );
    expect((await indexer.update()).events).toBe(0);
    await indexer.close();
    // A new indexer process starts from the checkpoints stored in the index, not from zero.
    const again = track(await openIndexer({ root }));
    expect((await again.update()).events).toBe(0);
    const r = reader(root);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM event_pointers")).toEqual([{ n: first + more }]);
  });

  it("keeps one row per event id and counts the duplicates", async () => {
    const root = tempRoot();
    const events = [...backtestEvents({ runs: 1, trialsPerRun: 3 })];
    writeLog(root, events);
    writeLog(root, events.slice(0, 2), "2026-01-05", 2); // a retry that re-sent two events
    const indexer = track(await openIndexer({ root }));
    const report = await indexer.update();
    expect(report).toMatchObject({ events: events.length, duplicates: 2 });
    writeLog(root, events.slice(3, 4), "2026-01-06"); // a duplicate in a later round
    expect(await indexer.update()).toMatchObject({ events: 0, duplicates: 1 });
    const r = reader(root);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM trial_results")).toEqual([{ n: 3 }]);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM duplicate_events")).toEqual([{ n: 3 }]);
  });

  it("derives status whatever order the events arrive in, across files and rounds", async () => {
    const root = tempRoot();
    const t = Date.UTC(2026, 0, 5, 9);
    const created = ev({
      event_id: id(),
      event_type: "run.created",
      run_id: "r1",
      run_type: "x",
      config: {},
      data_fingerprint: "f",
      timestamp_ms: t,
    });
    const started = ev({ event_id: id(), event_type: "run.started", run_id: "r1", timestamp_ms: t + 10 });
    const completed = ev({
      event_id: id(),
      event_type: "run.completed",
      run_id: "r1",
      status: "failed",
      summary: { e: 1 },
      artifact_paths: [],
      exit_code: 2,
      timestamp_ms: t + 100,
    });
    const indexer = track(await openIndexer({ root }));
    writeLog(root, [completed], "2026-01-05", 2); // another process's part, indexed first
    await indexer.update();
    const r = reader(root);
    expect(await r.query("SELECT status FROM runs_status")).toEqual([{ status: "failed" }]);
    writeLog(root, [started, created], "2026-01-05", 1);
    await indexer.update();
    expect(
      await r.query("SELECT status, duration_ms::INTEGER AS d, exit_code, created_at FROM latest_runs"),
    ).toEqual([{ status: "failed", d: 90, exit_code: 2, created_at: "2026-01-05 09:00:00" }]);
  });

  it("points at each event's bytes, so one run replays without scanning the log", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 5, trialsPerRun: 4 }));
    const indexer = track(await openIndexer({ root }));
    await indexer.update();
    const r = reader(root);
    const pointers = await r.query(
      "SELECT file, byte_offset::BIGINT AS o, byte_length AS n, seq::INTEGER AS seq FROM event_pointers WHERE run_id = $1 ORDER BY seq",
      ["run-000002"],
    );
    const fd = openSync(join(root, "events", String(pointers[0]?.file)), "r");
    const replayed = pointers.map((p) => {
      const buf = Buffer.alloc(Number(p.n));
      readSync(fd, buf, 0, buf.length, Number(p.o));
      return JSON.parse(buf.toString("utf8")) as { seq: number; run_id: string };
    });
    closeSync(fd);
    expect(replayed.map((e) => e.seq)).toEqual(pointers.map((p) => p.seq));
    expect(new Set(replayed.map((e) => e.run_id))).toEqual(new Set(["run-000002"]));
    expect(replayed.length).toBe(2 + 6 * 2 + 4 + 1);
  });

  it("takes a custom projection and upcasts old event versions as it indexes", async () => {
    const root = tempRoot();
    const v1 = defineEvent("fill.booked", 1, "run", { qty: Type.Number() });
    const v2 = defineEvent(
      "fill.booked",
      2,
      "run",
      { quantity: Type.Number(), venue: Type.String() },
      {
        upcast: ({ qty, ...rest }) => ({ ...rest, quantity: qty, venue: "unknown" }),
      },
    );
    const catalogue = createCatalogue().register(v1).register(v2);
    const fills = defineProjection({
      name: "fills",
      eventTypes: ["fill.booked"],
      setup: ["CREATE TABLE IF NOT EXISTS fills (run_id VARCHAR, quantity DOUBLE, venue VARCHAR)"],
      apply: ["INSERT INTO fills SELECT run_id, (body->>'quantity')::DOUBLE, body->>'venue' FROM new_events"],
    });
    writeLog(root, [
      ev({ event_id: id(), event_type: "fill.booked", run_id: "r", qty: 5 }),
      ev({
        event_id: id(),
        event_type: "fill.booked",
        schema_version: 2,
        run_id: "r",
        quantity: 7,
        venue: "XNYS",
      }),
    ]);
    const indexer = track(await openIndexer({ root, catalogue, projections: [...coreProjections, fills] }));
    await indexer.update();
    const r = reader(root);
    expect(await r.query("SELECT quantity, venue FROM fills ORDER BY quantity")).toEqual([
      { quantity: 5, venue: "unknown" },
      { quantity: 7, venue: "XNYS" },
    ]);
    expect(await r.query("SELECT DISTINCT schema_version FROM event_pointers")).toEqual([
      { schema_version: 2 },
    ]);
  });

  it("rebuilds by itself when the projections change", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3 }));
    const first = track(await openIndexer({ root }));
    await first.update();
    await first.close();
    const best = defineProjection({
      name: "best_trials",
      eventTypes: ["trial.recorded"],
      setup: ["CREATE TABLE IF NOT EXISTS best_trials (run_id VARCHAR, sharpe DOUBLE)"],
      apply: ["INSERT INTO best_trials SELECT run_id, (body->'metrics'->>'sharpe')::DOUBLE FROM new_events"],
    });
    const second = track(await openIndexer({ root, projections: [...coreProjections, best] }));
    const report = await second.update();
    expect(report.mode).toBe("full");
    expect(report.reason).toMatch(/other projections/);
    expect(await reader(root).query("SELECT count(*)::INTEGER AS n FROM best_trials")).toEqual([{ n: 6 }]);
  });

  it("rebuilds from a day on, without duplicating anything before it", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3 }), "2026-01-05");
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3, prefix: "d6" }), "2026-01-06");
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 3, prefix: "d7" }), "2026-01-07");
    const indexer = track(await openIndexer({ root }));
    await indexer.update();
    const r = reader(root);
    const before = await r.query("SELECT count(*)::INTEGER AS n FROM trial_results");
    const report = await indexer.rebuild({ sinceDate: "2026-01-06" });
    expect(report).toMatchObject({ mode: "since", files: 2, duplicates: 0 });
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM trial_results")).toEqual(before);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM duplicate_events")).toEqual([{ n: 0 }]);
    await expect(indexer.rebuild({ sinceDate: "2026-13-01" })).rejects.toThrow(/YYYY-MM-DD/);
  });

  it("gives the same index from a full rebuild as from many small rounds, gzip parts included", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root, batchBytes: 4096 }));
    for (let i = 0; i < 4; i++) {
      writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 5, prefix: `b${i}` }), `2026-01-0${i + 1}`);
      await indexer.update();
    }
    const snapshot = async () =>
      reader(root).query(
        `SELECT (SELECT list(run_id || status || coalesce(duration_ms, -1) ORDER BY run_id) FROM runs_status) AS s,
                (SELECT count(*) FROM trial_results) AS t, (SELECT count(*) FROM event_pointers) AS e,
                (SELECT count(*) FROM catalog.run_pointers) AS p`,
      );
    const incremental = await snapshot();
    execFileSync("gzip", [join(root, "events/day=2026-01-01/part-000001.jsonl")]);
    const full = await indexer.rebuild();
    expect(full.mode).toBe("full");
    expect(await snapshot()).toEqual(incremental);
    expect((await indexer.update()).events).toBe(0);
  });

  it("lets one indexer at a time hold the index", async () => {
    const root = tempRoot();
    const first = track(await openIndexer({ root }));
    await expect(openIndexer({ root })).rejects.toThrow(IndexerLockedError);
    await expect(openIndexer({ root })).rejects.toThrow(/another indexer is running \(pid \d+/);
    await first.close();
    track(await openIndexer({ root }));
  });
});
