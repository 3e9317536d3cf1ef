import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openIndexer, openIndexReader } from "@ledger/indexer";
import { readLog } from "@ledger/writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfill } from "./backfill.js";
import { openDualMode } from "./dual-mode.js";
import { defaultLegacyLayout } from "./layout.js";
import { suggestLayout } from "./suggest-layout.js";
import { type FixtureShape, fixtureLayouts, generateLegacyDb } from "./test-support/legacy-db.js";

const cutover = new Date(Date.UTC(2026, 2, 1));
const CUT = cutover.getTime();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ledger-migration-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What each shape's layout cannot check, and which differences the event model cannot express. */
const expected: Record<FixtureShape, { unchecked: string[]; explained: string[] }> = {
  default: { unchecked: ["summary"], explained: ["data_fingerprint"] },
  renamed: {
    unchecked: ["exit_code", "data_fingerprint", "config", "summary", "baselines", "baseline_metrics"],
    explained: ["status"],
  },
  json: { unchecked: [], explained: ["data_fingerprint", "summary", "trial_metrics"] },
};

async function legacyRows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    await c.run(`ATTACH '${path}' AS l (READ_ONLY); USE l`);
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function rebuild(root: string): Promise<void> {
  const indexer = await openIndexer({ root });
  await indexer.rebuild();
  await indexer.close();
}

describe.each(["default", "renamed", "json"] as const)(
  "migrating a legacy database of the %s shape",
  (shape) => {
    const layout = fixtureLayouts[shape];

    it("runs before any index, backfills twice (the second writes nothing), rebuilds, and compares", async () => {
      const home = mkdtempSync(join(dir, `${shape}-`));
      // The old system's own file name: its catalog then shares the name of the schema inside.
      const legacyDb = join(home, "optimizer.duckdb");
      await generateLegacyDb({ path: legacyDb, runs: 400, cutover, shape });
      const { legacy_columns, ...suggested } = await suggestLayout(legacyDb);
      expect(suggested).toEqual(layout);
      expect(Object.keys(legacy_columns ?? {}).length).toBeGreaterThanOrEqual(3);

      const root = join(home, "ledger");
      const dual = await openDualMode({ legacyDb, root, cutover, layout });
      try {
        // Before anything is written: the legacy side answers, the index side is empty.
        expect(dual.hasIndex).toBe(false);
        const before = await dual.queryRuns({ limit: 100_000 });
        const [{ n }] = (await legacyRows(
          legacyDb,
          `SELECT count(*)::INTEGER AS n FROM ${layout.runs.table}
         WHERE ${layout.runs.columns.created_at} < '2026-03-01'`,
        )) as [{ n: number }];
        expect(before).toHaveLength(n);
        expect(new Set(before.map((r) => r.source))).toEqual(new Set(["legacy"]));
        expect(await dual.queryRunStatus("legacy-eve-2357")).toMatchObject({
          status: "succeeded",
          completed_ms: CUT + 240_000,
          source: "legacy",
        });
        const unindexed = await dual.compare();
        expect(unindexed.differences).toHaveLength(n);
        expect(new Set(unindexed.differences.map((d) => d.index))).toEqual(new Set(["missing from index"]));

        const first = await backfill({ legacyDb, root, cutover, layout });
        expect(first).toMatchObject({ runsTotal: n, eventsSkipped: 0, rejected: [] });
        const second = await backfill({ legacyDb, root, cutover, layout });
        expect(second).toMatchObject({ eventsWritten: 0, eventsSkipped: first.eventsWritten });

        // The run created at 23:57 on the eve, completed after midnight: each event once, on its own day.
        const straddling: { type: string; day: string }[] = [];
        for await (const { event, position } of readLog({ root }))
          if (event.run_id === "legacy-eve-2357")
            straddling.push({ type: event.event_type, day: position.file });
        const completed = straddling.filter((e) => e.type === "run.completed");
        expect(completed).toHaveLength(1);
        expect(completed[0]?.day).toContain("day=2026-03-01");
        expect(straddling.filter((e) => e.type === "run.created")[0]?.day).toContain("day=2026-02-28");

        await rebuild(root);
        expect(dual.hasIndex).toBe(true);
        const reader = openIndexReader({ root });
        try {
          expect(await reader.query("SELECT count(*)::INTEGER AS n FROM duplicate_events")).toEqual([
            { n: 0 },
          ]);
        } finally {
          reader.close();
        }
        const { differences, unchecked } = await dual.compare();
        expect(differences.filter((d) => d.reason === undefined)).toEqual([]);
        expect([...new Set(differences.map((d) => d.field))].sort()).toEqual(
          [...expected[shape].explained].sort(),
        );
        for (const d of differences) expect(d.reason?.length).toBeGreaterThan(20);
        if (shape === "renamed")
          expect(differences).toEqual([
            {
              run_id: "legacy-000005",
              field: "status",
              legacy: "failed",
              index: "running",
              reason: "the legacy row has no completion time, and run.completed needs one",
            },
            {
              run_id: "legacy-000007",
              field: "status",
              legacy: "running",
              index: "created",
              reason: "the legacy row says running but has no start time, so no run.started was written",
            },
          ]);
        expect(unchecked.map((u) => u.field).sort()).toEqual([...expected[shape].unchecked].sort());
        for (const u of unchecked) expect(u.reason).toMatch(/^the layout (maps no|names neither) /);
      } finally {
        dual.close();
      }
    });
  },
);

describe("the json shape", () => {
  it("carries the summary and the JSON metrics across, and compare catches either one changed", async () => {
    const legacyDb = join(dir, "json.duckdb");
    await generateLegacyDb({ path: legacyDb, runs: 300, cutover, shape: "json" });
    const layout = fixtureLayouts.json;
    const root = join(dir, "json-ledger");
    await backfill({ legacyDb, root, cutover, layout });
    await rebuild(root);
    const reader = openIndexReader({ root });
    const [trial] = await legacyRows(
      legacyDb,
      `SELECT run_id, trial_id, metrics_json FROM optimizer.trials_f
       WHERE metrics_json LIKE '%bull%' AND metrics_json NOT LIKE '%"max_drawdown":null%'
         AND recorded_at < '2026-02-01' ORDER BY run_id, trial_id LIMIT 1`,
    );
    try {
      expect(
        await reader.query("SELECT summary::VARCHAR AS s FROM runs_status WHERE run_id = 'legacy-eve-2357'"),
      ).toEqual([{ s: '{"trials":4,"note":"ran past midnight"}' }]);
      const [indexed] = await reader.query(
        `SELECT to_json(metrics)::VARCHAR AS m FROM trial_results WHERE run_id = '${trial?.run_id}' AND trial_id = '${trial?.trial_id}'`,
      );
      const { regime: _, ...numbers } = JSON.parse(String(trial?.metrics_json));
      expect(JSON.parse(String(indexed?.m))).toEqual(numbers);
    } finally {
      reader.close();
    }

    const altered = join(dir, "json-altered.duckdb");
    copyFileSync(legacyDb, altered);
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    await c.run(`ATTACH '${altered}' AS a; USE a;
      UPDATE optimizer.runs_d SET summary_json = '{"trials": 5}' WHERE run_id = 'legacy-eve-2357';
      UPDATE optimizer.trials_f SET metrics_json = '{"sharpe": 9.5}'
      WHERE run_id = '${trial?.run_id}' AND trial_id = '${trial?.trial_id}'`);
    c.closeSync();
    instance.closeSync();
    const dual = await openDualMode({ legacyDb: altered, root, cutover, layout });
    try {
      const { differences } = await dual.compare();
      const real = differences.filter((d) => d.reason === undefined);
      expect(real.map((d) => [d.run_id, d.field])).toEqual(
        [
          ["legacy-eve-2357", "summary"],
          [String(trial?.run_id), "trial_metrics"],
        ].sort(),
      );
      expect(real.find((d) => d.field === "summary")).toMatchObject({
        legacy: '{"trials": 5}',
        index: '{"trials":4,"note":"ran past midnight"}',
      });
    } finally {
      dual.close();
    }
  });
});

describe("a layout the legacy file does not match", () => {
  it("is refused at open, listing every table and column missing, in one line", async () => {
    const legacyDb = join(dir, "mismatch.duckdb");
    await generateLegacyDb({ path: legacyDb, runs: 20, cutover });
    const layout = {
      ...defaultLegacyLayout,
      runs: {
        ...defaultLegacyLayout.runs,
        columns: { ...defaultLegacyLayout.runs.columns, exit_code: "rc", summary: "summary_json" },
      },
      baselines: { ...defaultLegacyLayout.baselines!, table: "baseline.outcomes" },
    };
    const message =
      "the legacy database lacks what the layout maps: optimizer.runs_d: rc, summary_json; " +
      "table baseline.outcomes (baselines) (fix the layout, or leave optional columns and tables out)";
    const root = join(dir, "mismatch-ledger");
    await expect(openDualMode({ legacyDb, root, cutover, layout })).rejects.toThrow(message);
    await expect(backfill({ legacyDb, root, cutover, layout })).rejects.toThrow(message);
    // Nothing was written: the refusal comes before the writer opens.
    const events: unknown[] = [];
    for await (const e of readLog({ root })) events.push(e);
    expect(events).toEqual([]);
  });

  it("refuses a time kept as a number, naming the column and its type", async () => {
    const legacyDb = join(dir, "epoch.duckdb");
    await generateLegacyDb({ path: legacyDb, runs: 20, cutover });
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    await c.run(`ATTACH '${legacyDb}' AS e; USE e;
      ALTER TABLE optimizer.runs_d ALTER started_at TYPE BIGINT USING epoch_ms(started_at)`);
    c.closeSync();
    instance.closeSync();
    await expect(openDualMode({ legacyDb, root: join(dir, "epoch-ledger"), cutover })).rejects.toThrow(
      "times must be TIMESTAMP, DATE or text DuckDB casts to a timestamp: optimizer.runs_d.started_at is BIGINT",
    );
  });
});
