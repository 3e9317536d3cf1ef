import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

describe("ledger legacy", () => {
  it("compare says a run missing from the index is missing, rather than print one of its values", async () => {
    const root = tempRoot();
    const { generateLegacyDb } = await import("@ledger/legacy-adapter/test-support");
    const legacyDb = `${root}/legacy.duckdb`;
    await generateLegacyDb({ path: legacyDb, runs: 40, cutover: new Date("2026-03-01T00:00:00Z") });
    ledger(["emit", "--event-type", "run.started", "--run-id", "new-run", "--root", root]);
    ledger(["rebuild-index", "--root", root]);
    const flags = ["--legacy-db", legacyDb, "--cutover", "2026-03-01T00:00:00Z", "--root", root];
    const table = ledger(["legacy", "compare", ...flags]);
    expect(table.code).toBe(1);
    const [header, ...rest] = table.stdout.trim().split("\n");
    // The default layout maps no summary column: compare says so under the table.
    expect(rest.at(-1)).toBe("not checked: summary: the layout maps no runs.columns.summary column");
    const rows = rest.slice(0, -1);
    expect(header).toMatch(/^run_id\s+field\s+legacy\s+index$/);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^legacy-\S+\s+run\s+present\s+missing from index$/);
    expect(table.stderr).toBe(
      `ledger: parity fails: ${rows.length} runs missing from the index (backfill, then rebuild-index) [LEDGER_PARITY_FAILED]\n`,
    );
    const json = ledger(["legacy", "compare", "--json", ...flags])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => !("unchecked" in l));
    expect(json).toHaveLength(rows.length);
    expect(json[0]).toEqual({
      run_id: expect.stringMatching(/^legacy-/),
      field: "run",
      legacy: "present",
      index: "missing from index",
    });
  });
});
