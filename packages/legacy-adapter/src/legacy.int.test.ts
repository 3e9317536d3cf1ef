import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openIndexer, openIndexReader } from "@ledger/indexer";
import { openWriter } from "@ledger/writer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { backfill } from "./backfill.js";
import { type DualMode, type DualModeOptions, openDualMode } from "./dual-mode.js";
import { defaultLegacyLayout } from "./layout.js";
import type { Difference, Parity } from "./parity.js";
import { generateLegacyDb } from "./test-support/legacy-db.js";

const cutover = new Date(Date.UTC(2026, 2, 1));
const DAY = 86_400_000;
let dir: string;
let legacyDb: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ledger-legacy-"));
  legacyDb = join(dir, "legacy.duckdb");
  await generateLegacyDb({ path: legacyDb, runs: 1500, cutover });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opened: DualMode[] = [];
afterEach(() => {
  for (const dual of opened.splice(0)) dual.close();
});

/** Opens the adapter and closes it after the test, pass or fail. */
async function dualMode(options: DualModeOptions): Promise<DualMode> {
  const dual = await openDualMode(options);
  opened.push(dual);
  return dual;
}

/** A ledger root whose new log holds runs created after the cutover, some also in the legacy db. */
async function newSide(): Promise<string> {
  const root = mkdtempSync(join(dir, "root-"));
  const writer = await openWriter({ root });
  const t0 = cutover.getTime();
  const run = async (runId: string, at: number, status?: "succeeded" | "failed", doneAfter = 62_000) => {
    await writer.append({
      event_type: "run.created",
      run_id: runId,
      run_type: "optimize",
      config: {},
      data_fingerprint: "fp",
      timestamp_ms: at,
    });
    await writer.append({ event_type: "run.started", run_id: runId, timestamp_ms: at + 2000 });
    if (status) {
      await writer.append({
        event_type: "run.completed",
        run_id: runId,
        status,
        summary: {},
        artifact_paths: [],
        timestamp_ms: at + doneAfter,
      });
    }
  };
  for (let i = 0; i < 30; i++) await run(`new-${i}`, t0 + i * 3_600_000, "succeeded");
  // The old system also recorded this run, created two minutes before midnight on the cutover day.
  await run("legacy-day-2358", t0 + DAY - 120_000, "succeeded", 60_000);
  // A run both sides recorded after the cutover, which the new log says failed.
  const [dupe] = await findLegacyRunAfterCutover();
  await run(dupe!.run_id, dupe!.created_ms, "failed");
  await writer.close();
  await index(root);
  return root;
}

async function index(root: string): Promise<void> {
  const indexer = await openIndexer({ root });
  await indexer.update();
  await indexer.close();
}

async function legacyQuery(sql: string, path = legacyDb): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function findLegacyRunAfterCutover(): Promise<{ run_id: string; created_ms: number }[]> {
  const rows = await legacyQuery(
    `SELECT run_id, epoch_ms(created_at) AS created_ms FROM optimizer.runs_d
     WHERE created_at >= '2026-03-05' AND status = 'succeeded' ORDER BY created_at LIMIT 1`,
  );
  return rows.map((r) => ({ run_id: String(r.run_id), created_ms: Number(r.created_ms) }));
}

describe("dual mode", () => {
  it("answers by cutover: legacy before it, the index from it on, each row with its source", async () => {
    const root = await newSide();
    const dual = await dualMode({ legacyDb, root, cutover });
    const around = await dual.queryRuns({
      createdFrom: cutover.getTime() - 2 * DAY,
      createdTo: cutover.getTime() + 2 * DAY,
      limit: 1000,
    });
    expect(around.length).toBeGreaterThan(30);
    for (const row of around) {
      expect(row.source).toBe((row.created_ms ?? 0) < cutover.getTime() ? "legacy" : "index");
    }
    const all = await dual.queryRuns({ limit: 100_000 });
    const legacyAfter = await legacyQuery(
      "SELECT count(*)::INTEGER AS n FROM optimizer.runs_d WHERE created_at < '2026-03-01'",
    );
    expect(all.filter((r) => r.source === "legacy")).toHaveLength(Number(legacyAfter[0]?.n));
    expect(all.filter((r) => r.source === "index")).toHaveLength(32);
  });

  it("puts the run two minutes before midnight on each side of the cutover day where it belongs", async () => {
    const root = await newSide();
    const dual = await dualMode({ legacyDb, root, cutover });
    expect(await dual.getSourceForRun("legacy-eve-2358")).toBe("legacy");
    expect(await dual.getSourceForRun("legacy-day-2358")).toBe("index");
    expect(await dual.getSourceForRun("nowhere")).toBeUndefined();
  });

  it("reports a run both sides recorded differently, and serves the side the rule picks", async () => {
    const root = await newSide();
    const [dupe] = await findLegacyRunAfterCutover();
    const dual = await dualMode({ legacyDb, root, cutover });
    const conflicts = await dual.conflicts();
    expect(conflicts).toEqual([
      expect.objectContaining({
        run_id: dupe!.run_id,
        winner: "index",
        fields: expect.arrayContaining(["status"]),
      }),
    ]);
    expect(await dual.queryRunStatus(dupe!.run_id)).toMatchObject({ status: "failed", source: "index" });
  });

  it("keeps NULLs as NULLs, reads phases and trials from the answering side, and binds every filter", async () => {
    const root = await newSide();
    const dual = await dualMode({ legacyDb, root, cutover });
    const [noStart] = await legacyQuery(
      "SELECT run_id FROM optimizer.runs_d WHERE started_at IS NULL ORDER BY created_at LIMIT 1",
    );
    expect(await dual.queryRunStatus(String(noStart?.run_id))).toMatchObject({
      started_ms: null,
      source: "legacy",
    });
    const [withTrials] = await legacyQuery(
      "SELECT run_id FROM optimizer.trials_f WHERE max_drawdown IS NULL AND recorded_at < '2026-03-01' LIMIT 1",
    );
    const trials = await dual.queryTrials(String(withTrials?.run_id));
    expect(trials.some((t) => !("max_drawdown" in JSON.parse(String(t.metrics))))).toBe(true);
    expect((await dual.queryPhases("new-3")).map((p) => p.source)).toEqual([]);
    expect((await dual.queryPhases(String(withTrials?.run_id))).length).toBe(6);
    expect(await dual.queryRuns({ status: "x' OR '1'='1" })).toEqual([]);
    expect(await dual.queryRuns({ type: "'; DROP TABLE optimizer.runs_d; --" })).toEqual([]);
    // Between queries the adapter holds no lock: the old system can still open its file read-write.
    const rw = await DuckDBInstance.create(legacyDb);
    rw.closeSync();
  });

  it("takes a column mapping for a legacy database laid out differently", async () => {
    const variant = join(dir, "variant.duckdb");
    copyFileSync(legacyDb, variant);
    const instance = await DuckDBInstance.create(variant);
    const c = await instance.connect();
    await c.run(
      "ALTER TABLE optimizer.runs_d RENAME COLUMN run_id TO id; ALTER TABLE optimizer.runs_d RENAME COLUMN created_at TO ts_created",
    );
    c.closeSync();
    instance.closeSync();
    const layout = {
      ...defaultLegacyLayout,
      runs: {
        ...defaultLegacyLayout.runs,
        columns: { ...defaultLegacyLayout.runs.columns, run_id: "id", created_at: "ts_created" },
      },
    };
    const root = await newSide();
    const dual = await dualMode({ legacyDb: variant, root, cutover, layout });
    expect(await dual.getSourceForRun("legacy-eve-2358")).toBe("legacy");
    await expect(
      openDualMode({
        legacyDb: variant,
        root,
        cutover,
        layout: { ...layout, runs: { ...layout.runs, table: "x; DROP" } },
      }).then((d) => d.queryRuns().finally(() => d.close())),
    ).rejects.toThrow('layout runs.table: "x; DROP" is not a plain SQL identifier (table or schema.table)');
  });
});

describe("backfill and parity", () => {
  it("backfills once, writes nothing the second time, and the parity check finds no difference", async () => {
    const root = await newSide();
    const first = await backfill({ legacyDb, root, cutover });
    expect(first.runsTotal).toBeGreaterThan(500);
    expect(first.eventsWritten).toBeGreaterThan(first.runsTotal * 3);
    const second = await backfill({ legacyDb, root, cutover });
    expect(second).toMatchObject({ eventsWritten: 0, eventsSkipped: first.eventsWritten });
    await index(root);
    const reader = openIndexReader({ root });
    expect(await reader.query("SELECT count(*)::INTEGER AS n FROM duplicate_events")).toEqual([{ n: 0 }]);
    reader.close();
    const dual = await dualMode({ legacyDb, root, cutover });
    expect(unexplained(await dual.compare())).toEqual([]);
    // A row altered in the legacy database after the backfill is caught.
    const altered = join(dir, "altered.duckdb");
    copyFileSync(legacyDb, altered);
    const instance = await DuckDBInstance.create(altered);
    const c = await instance.connect();
    await c.run(
      "UPDATE optimizer.runs_d SET status = 'failed', exit_code = 3 WHERE run_id = 'legacy-000002'",
    );
    c.closeSync();
    instance.closeSync();
    const check = await dualMode({ legacyDb: altered, root, cutover });
    expect(unexplained(await check.compare())).toEqual([
      { run_id: "legacy-000002", field: "exit_code", legacy: "3", index: "0" },
      { run_id: "legacy-000002", field: "status", legacy: "failed", index: "succeeded" },
    ]);
  });

  it("says a run missing from the index is missing, with no value from one of its fields", async () => {
    const root = await newSide();
    await index(root);
    const { differences: missing } = await (await dualMode({ legacyDb, root, cutover })).compare();
    expect(missing.length).toBeGreaterThan(500);
    expect(new Set(missing.map((d) => d.run_id)).size).toBe(missing.length);
    for (const difference of missing) {
      expect(difference).toEqual({
        run_id: difference.run_id,
        field: "run",
        legacy: "present",
        index: "missing from index",
      });
    }
  });

  it("resumes an interrupted backfill without writing anything twice", async () => {
    const root = await newSide();
    await expect(
      backfill({
        legacyDb,
        root,
        cutover,
        batchRuns: 100,
        onProgress: (p) => {
          if (p.runsDone >= 200) throw new Error("interrupted");
        },
      }),
    ).rejects.toThrow("interrupted");
    const resumed = await backfill({ legacyDb, root, cutover, batchRuns: 100 });
    expect(resumed.eventsSkipped).toBeGreaterThan(0);
    await index(root);
    const reader = openIndexReader({ root });
    expect(await reader.query("SELECT count(*)::INTEGER AS n FROM duplicate_events")).toEqual([{ n: 0 }]);
    reader.close();
    const dual = await dualMode({ legacyDb, root, cutover });
    expect(unexplained(await dual.compare())).toEqual([]);
  });
});

/** The differences a backfill should have removed: those with no reason the event model gives. */
function unexplained(parity: Parity): Difference[] {
  return parity.differences.filter((d) => d.reason === undefined);
}
