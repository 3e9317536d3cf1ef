import { describe, expect, it } from "vitest";
import { defaultLegacyLayout, parseLegacyLayout } from "./layout.js";

const d = defaultLegacyLayout;
const withRunColumns = (columns: Record<string, unknown>) => ({ ...d, runs: { ...d.runs, columns } });

describe("parseLegacyLayout", () => {
  it("takes the default, and a layout that leaves every optional column and table out", () => {
    expect(parseLegacyLayout(d)).toBe(d);
    const bare = { runs: { table: "runs", columns: { run_id: "id", status: "state", created_at: "ts" } } };
    expect(parseLegacyLayout(bare)).toEqual(bare);
  });

  it("names a misspelt key, and what it may have meant", () => {
    expect(() => parseLegacyLayout(withRunColumns({ ...d.runs.columns, exit_cod: "rc" }))).toThrow(
      "layout runs.columns.exit_cod: unknown key",
    );
    const { created_at: _, ...noCreated } = d.runs.columns;
    expect(() => parseLegacyLayout(withRunColumns({ ...noCreated, created: "ts" }))).toThrow(
      "layout runs.columns.created: unknown key (did you mean created_at?)",
    );
    const { runs, ...rest } = d;
    expect(() => parseLegacyLayout({ ...rest, run: runs })).toThrow(
      "layout run: unknown key (did you mean runs?)",
    );
  });

  it("names a missing key, a name that is not an identifier, and a wrong type, each in one line", () => {
    const { status: _, ...noStatus } = d.runs.columns;
    expect(() => parseLegacyLayout(withRunColumns(noStatus))).toThrow("layout runs.columns.status: missing");
    expect(() => parseLegacyLayout({ ...d, phases: { ...d.phases, table: "a.b.c" } })).toThrow(
      'layout phases.table: "a.b.c" is not a plain SQL identifier (table or schema.table)',
    );
    expect(() =>
      parseLegacyLayout({ ...d, trials: { ...d.trials, metrics: ["sharpe", "pnl; DROP"] } }),
    ).toThrow('layout trials.metrics.1: "pnl; DROP" is not a plain SQL identifier');
    expect(() => parseLegacyLayout(withRunColumns({ ...d.runs.columns, exit_code: 3 }))).toThrow(
      "layout runs.columns.exit_code: expected string",
    );
    expect(() => parseLegacyLayout([])).toThrow("layout (top level): expected object");
    for (const bad of [withRunColumns({ ...d.runs.columns, exit_code: 3 }), []]) {
      try {
        parseLegacyLayout(bad);
      } catch (error) {
        expect((error as Error).message).not.toContain("\n");
        expect(error).toMatchObject({ code: "LEDGER_LEGACY_LAYOUT" });
      }
    }
  });

  it("refuses metrics named both as columns and as one JSON column", () => {
    const trials = { ...d.trials!, columns: { ...d.trials!.columns, metrics_json: "m" } };
    expect(() => parseLegacyLayout({ ...d, trials })).toThrow(
      "layout trials: name either metrics (numeric columns) or columns.metrics_json (one JSON column), not both",
    );
  });
});
