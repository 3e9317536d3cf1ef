import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { writeLog } from "@ledger/indexer/test-support";
import { backfill, openDualMode } from "@ledger/legacy-adapter";
import { fixtureLayouts, generateLegacyDb } from "@ledger/legacy-adapter/test-support";
import { latencyRow, timeEach } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

const CUTOVER = Date.UTC(2026, 2, 1);

/** 100,000 runs after the cutover in the new log: created, started, completed. */
function* newRuns(count: number): Generator<Record<string, unknown>> {
  for (let i = 0; i < count; i++) {
    const t = CUTOVER + i * 60_000;
    const run_id = `new-${String(i).padStart(6, "0")}`;
    const id = (k: number) => `01K${String(i * 3 + k).padStart(23, "0")}`;
    yield {
      event_id: id(0),
      event_type: "run.created",
      schema_version: 1,
      timestamp_ms: t,
      run_id,
      seq: 1,
      run_type: "optimize",
      config: {},
      data_fingerprint: "fp",
    };
    yield {
      event_id: id(1),
      event_type: "run.started",
      schema_version: 1,
      timestamp_ms: t + 1000,
      run_id,
      seq: 2,
    };
    yield {
      event_id: id(2),
      event_type: "run.completed",
      schema_version: 1,
      timestamp_ms: t + 9000,
      run_id,
      seq: 3,
      status: i % 9 === 0 ? "failed" : "succeeded",
      summary: {},
      artifact_paths: [],
    };
  }
}

export async function legacySuite(runs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-legacy-"));
  try {
    const legacyDb = join(dir, "legacy.duckdb");
    await generateLegacyDb({
      path: legacyDb,
      runs: 100_000,
      from: new Date(Date.UTC(2025, 0, 1)),
      to: new Date(CUTOVER),
      cutover: new Date(CUTOVER),
    });
    const root = join(dir, "root");
    writeLog(root, newRuns(100_000));
    const indexer = await openIndexer({ root });
    await indexer.rebuild();
    await indexer.close();
    const dual = await openDualMode({ legacyDb, root, cutover: new Date(CUTOVER) });
    const rows: Row[] = [];
    try {
      const cases: [string, Parameters<typeof dual.queryRuns>[0]][] = [
        ["queryRuns latest 100", { limit: 100 }],
        ["queryRuns failed, 1000", { status: "failed", limit: 1000 }],
        [
          "queryRuns 2 days across the cutover",
          { createdFrom: CUTOVER - 86_400_000, createdTo: CUTOVER + 86_400_000, limit: 5000 },
        ],
      ];
      for (const [name, filter] of cases) {
        await dual.queryRuns(filter); // warm the page cache
        const times = await timeEach(Math.max(10, runs * 4), () => dual.queryRuns(filter));
        rows.push(latencyRow(name, times, "100k legacy + 100k new runs"));
      }
    } finally {
      dual.close();
    }
    printTable("dual-mode queries (target p50 <= 100 ms)", "queries/s", rows, rows[0]!.name);
    await migrationSuite(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MIGRATION_RUNS = 10_000;

/** A migration timed step by step: backfill, the second backfill (writes nothing), compare. */
async function migrationSuite(dir: string): Promise<void> {
  const legacyDb = join(dir, "migration.duckdb");
  const cutover = new Date(CUTOVER);
  await generateLegacyDb({ path: legacyDb, runs: MIGRATION_RUNS, to: cutover, cutover, shape: "json" });
  const root = join(dir, "migration-root");
  const layout = fixtureLayouts.json;
  const timed = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await run();
    return [result, performance.now() - started];
  };
  const [first, firstMs] = await timed(() => backfill({ legacyDb, root, cutover, layout }));
  const [second, secondMs] = await timed(() => backfill({ legacyDb, root, cutover, layout }));
  const indexer = await openIndexer({ root });
  await indexer.rebuild();
  await indexer.close();
  const dual = await openDualMode({ legacyDb, root, cutover, layout });
  const [parity, compareMs] = await timed(() => dual.compare()).finally(() => dual.close());
  const unexplained = parity.differences.filter((d) => d.reason === undefined).length;
  printTable(
    `legacy migration: ${first.runsTotal} legacy runs, json shape (events/s; compare in runs/s)`,
    "per s",
    [
      {
        name: "backfill",
        rate: (first.eventsWritten / firstMs) * 1000,
        note: `${first.eventsWritten} events`,
      },
      {
        name: "second backfill",
        rate: (second.eventsSkipped / secondMs) * 1000,
        note: `${second.eventsWritten} written, ${second.eventsSkipped} skipped`,
      },
      {
        name: "compare",
        rate: (first.runsTotal / compareMs) * 1000,
        note: `${compareMs.toFixed(0)} ms, ${unexplained} unexplained differences`,
      },
    ],
    "backfill",
  );
}
