import { existsSync, mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

const legacy = ["--legacy-db", "/nonexistent/legacy.duckdb", "--cutover", "2026-01-01"];
const READERS = [
  ["events"],
  ["runs"],
  ["run", "r-1"],
  ["serve", "--port", "0"],
  ["daemon"],
  ["daemon", "--health"],
  ["rebuild-index"],
  ["rebuild-index", "--full-rebuild"],
  ["legacy", "runs", ...legacy],
  ["legacy", "status", "r-1", ...legacy],
  ["legacy", "source", "r-1", ...legacy],
  ["legacy", "compare", ...legacy],
  ["doctor"],
  ["query", "SELECT 1"],
  ["retention", "--compress-after", "7d"],
];

describe("a root with no log", () => {
  it("is refused by every command that reads, with one line, and is never created", () => {
    const parent = tempRoot();
    mkdirSync(`${parent}/empty`);
    const empty: string[][] = [["events"], ["runs"], ["rebuild-index"]];
    for (const [root, commands] of [
      [`${parent}/typo`, READERS],
      [`${parent}/empty`, empty],
    ] as const) {
      for (const command of commands) {
        const what = `${command.join(" ")} on ${root}`;
        const r = ledger([...command, "--root", root], { timeoutMs: 20_000 });
        expect(r.code, what).toBe(1);
        // The legacy commands answer from the legacy side before the new log exists (the first
        // step of a migration): here it is the missing legacy file they name.
        expect(r.stderr, what).toMatch(
          command[0] === "legacy"
            ? /^ledger: no legacy database at \/nonexistent\/legacy\.duckdb \[LEDGER_LEGACY_DB\]\n$/
            : /^ledger: no event log at .+ \(no events\/ folder\).* \[LEDGER_NO_LOG\]\n$/,
        );
      }
      expect(existsSync(`${root}/events`)).toBe(false);
      expect(existsSync(`${root}/index`)).toBe(false);
    }
    expect(existsSync(`${parent}/typo`)).toBe(false);
    // LEDGER_ROOT is checked the same way as --root.
    const fromEnv = ledger(["events"], { env: { LEDGER_ROOT: `${parent}/typo` } });
    expect(fromEnv.stderr).toMatch(/LEDGER_NO_LOG/);
  });

  it("is created by a writing command, and then read", () => {
    const root = `${tempRoot()}/new`;
    expect(ledger(["emit", "--event-type", "run.started", "--run-id", "r-1", "--root", root]).code).toBe(0);
    const events = ledger(["events", "--json", "--root", root]);
    expect(events.code).toBe(0);
    expect(JSON.parse(events.stdout)).toMatchObject({ run_id: "r-1" });
    expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);
  });
});
