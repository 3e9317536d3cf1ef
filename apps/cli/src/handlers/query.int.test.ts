import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "../test-support/cli.js";

/** A root with two demo runs and one alert, indexed. */
function indexedRoot(): string {
  const root = tempRoot();
  ledger(["demo", "--runs", "2", "--root", root]);
  const alert = JSON.stringify({
    event_type: "alert.ingested",
    alert_id: "a1",
    source: "grafana",
    received_at_ms: 1767600000000,
    payload: {},
  });
  expect(ledger(["emit", "--json", alert, "--root", root]).code).toBe(0);
  expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);
  return root;
}

describe("ledger query", () => {
  it("reads runs, catalog and alerts", () => {
    const root = indexedRoot();
    const sql = `SELECT (SELECT count(*) FROM runs_d)::INTEGER AS runs,
      (SELECT count(*) FROM catalog.run_pointers)::INTEGER AS pointers,
      (SELECT count(*) FROM alerts.alerts)::INTEGER AS alerts`;
    const result = ledger(["query", sql, "--json", "--root", root]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ runs: 2, pointers: 2, alerts: 1 });
  });

  it("reads the index and nothing else: each attempt is one typed line and exit 1", () => {
    const root = indexedRoot();
    const copied = join(root, "copied.csv");
    const attempts = [
      `COPY runs_d TO '${copied}'`,
      "SELECT * FROM read_text('/etc/hostname')",
      "INSTALL httpfs",
      "SET lock_configuration = false",
    ];
    for (const sql of attempts) {
      const result = ledger(["query", sql, "--root", root]);
      expect(result.code, sql).toBe(1);
      expect(result.stdout, sql).toBe("");
      // DuckDB refuses before touching the file or the network: "disabled by configuration".
      expect(result.stderr, sql).toMatch(
        /^ledger: (Permission Error: .*disabled|Invalid Input Error: .*configuration has been locked).* \[LEDGER_QUERY_FAILED\]\n$/,
      );
    }
    expect(existsSync(copied)).toBe(false);
  });
});
