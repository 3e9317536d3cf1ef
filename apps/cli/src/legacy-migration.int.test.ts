import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureLayouts, generateLegacyDb } from "@ledger/legacy-adapter/test-support";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

const CUTOVER = "2026-03-01T00:00:00Z";

/** What `compare` cannot check for each fixture shape, and which fields differ for a stated reason. */
const expected = {
  default: { unchecked: ["summary"], explained: ["data_fingerprint"] },
  renamed: {
    unchecked: ["exit_code", "data_fingerprint", "config", "summary", "baselines", "baseline_metrics"],
    explained: ["status"],
  },
  json: { unchecked: [], explained: ["data_fingerprint", "summary", "trial_metrics"] },
} as const;

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(["default", "renamed", "json"] as const)("ledger legacy, migrating the %s shape", (shape) => {
  it("init-layout, runs before any index, backfill twice, rebuild-index, compare", async () => {
    const home = tempRoot();
    const legacyDb = join(home, "optimizer.duckdb");
    await generateLegacyDb({ path: legacyDb, runs: 150, cutover: new Date(CUTOVER), shape });
    const root = join(home, "ledger");

    const init = ledger(["legacy", "init-layout", "--legacy-db", legacyDb]);
    expect(init.code).toBe(0);
    const { legacy_columns, ...layout } = JSON.parse(init.stdout);
    expect(layout).toEqual(fixtureLayouts[shape]);
    expect(Object.keys(legacy_columns).length).toBeGreaterThanOrEqual(3);
    const layoutFile = join(home, "layout.json");
    writeFileSync(layoutFile, init.stdout);
    const flags = ["--legacy-db", legacyDb, "--cutover", CUTOVER, "--root", root, "--layout", layoutFile];

    // The first step of a migration: nothing written yet, and the legacy side answers alone.
    const before = ledger(["legacy", "runs", "--json", "--limit", "100000", ...flags]);
    expect(before.code).toBe(0);
    expect(before.stderr).toBe(`ledger: no index under ${root} yet: only the legacy side answers\n`);
    const legacyRuns = lines(before.stdout);
    expect(legacyRuns.length).toBeGreaterThan(50);
    expect(new Set(legacyRuns.map((r) => r.source))).toEqual(new Set(["legacy"]));
    expect(legacyRuns.map((r) => r.run_id)).toContain("legacy-eve-2357");

    const first = ledger(["legacy", "backfill", "--json", ...flags]);
    expect(first.code).toBe(0);
    const written = JSON.parse(first.stdout);
    expect(written).toMatchObject({ runsTotal: legacyRuns.length, eventsSkipped: 0, rejected: [] });
    const second = ledger(["legacy", "backfill", "--json", ...flags]);
    expect(JSON.parse(second.stdout)).toMatchObject({
      eventsWritten: 0,
      eventsSkipped: written.eventsWritten,
    });

    expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);
    const parity = ledger(["legacy", "compare", ...flags]);
    expect(parity.stderr).toBe("");
    expect(parity.code).toBe(0);
    expect(parity.stdout).toMatch(/^parity: the index matches the legacy database on every backfilled run/);
    for (const field of expected[shape].unchecked) expect(parity.stdout).toContain(`not checked: ${field}: `);
    const json = lines(ledger(["legacy", "compare", "--json", ...flags]).stdout);
    const differences = json.filter((l) => "run_id" in l);
    expect(differences.filter((d) => d.reason === undefined)).toEqual([]);
    expect([...new Set(differences.map((d) => d.field))].sort()).toEqual(
      [...expected[shape].explained].sort(),
    );
    expect(json.filter((l) => "unchecked" in l).map((l) => l.unchecked)).toEqual(expected[shape].unchecked);
    expect(ledger(["legacy", "source", "legacy-eve-2357", ...flags]).stdout).toBe("legacy\n");
  });
});

describe("ledger legacy --layout", () => {
  it("names a bad key, a missing column or a missing table in one line, before anything is written", async () => {
    const home = tempRoot();
    const legacyDb = join(home, "legacy.duckdb");
    await generateLegacyDb({ path: legacyDb, runs: 30, cutover: new Date(CUTOVER) });
    const root = join(home, "ledger");
    const run = (layout: unknown, command = "backfill") => {
      const file = join(home, "layout.json");
      writeFileSync(file, typeof layout === "string" ? layout : JSON.stringify(layout));
      return ledger([
        "legacy",
        command,
        "--legacy-db",
        legacyDb,
        "--cutover",
        CUTOVER,
        "--root",
        root,
        "--layout",
        file,
      ]);
    };
    const d = fixtureLayouts.default;
    const file = join(home, "layout.json");

    const misspelt = run({
      ...d,
      runs: { ...d.runs, columns: { ...d.runs.columns, exit_cod: "exit_code" } },
    });
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toBe(
      `ledger: --layout ${file}: layout runs.columns.exit_cod: unknown key [LEDGER_LEGACY_LAYOUT]\n`,
    );
    const missing = run(
      {
        ...d,
        runs: { ...d.runs, columns: { ...d.runs.columns, exit_code: "rc" } },
        phases: { ...d.phases, table: "steps" },
      },
      "runs",
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "ledger: the legacy database lacks what the layout maps: optimizer.runs_d: rc; table steps (phases) " +
        "(fix the layout, or leave optional columns and tables out) [LEDGER_LEGACY_LAYOUT]\n",
    );
    expect(run("{ not json").stderr).toMatch(/^ledger: --layout .*layout\.json: .+ \[LEDGER_BAD_LAYOUT\]\n$/);
    expect(run({ ...d, runs: { ...d.runs, table: "runs; DROP TABLE x" } }).stderr).toBe(
      `ledger: --layout ${file}: layout runs.table: "runs; DROP TABLE x" is not a plain SQL identifier (table or schema.table) [LEDGER_LEGACY_LAYOUT]\n`,
    );
    // None of the refused backfills wrote a log.
    expect(ledger(["events", "--root", root]).code).toBe(1);
  });

  it("takes a layout that maps no exit code (the old table never had one)", async () => {
    const home = tempRoot();
    const legacyDb = join(home, "legacy.duckdb");
    await generateLegacyDb({ path: legacyDb, runs: 30, cutover: new Date(CUTOVER) });
    const { exit_code: _, ...columns } = fixtureLayouts.default.runs.columns;
    const file = join(home, "layout.json");
    writeFileSync(
      file,
      JSON.stringify({ ...fixtureLayouts.default, runs: { ...fixtureLayouts.default.runs, columns } }),
    );
    const flags = [
      "--legacy-db",
      legacyDb,
      "--cutover",
      CUTOVER,
      "--root",
      join(home, "ledger"),
      "--layout",
      file,
    ];
    const status = ledger(["legacy", "status", "legacy-eve-2357", "--json", ...flags]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      exit_code: null,
      status: "succeeded",
      source: "legacy",
    });
    expect(ledger(["legacy", "backfill", ...flags]).code).toBe(0);
  });
});
