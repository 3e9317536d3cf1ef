import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

describe("bad flag values", () => {
  it("are usage errors: exit 2, one line and the hint, before anything runs", () => {
    const root = tempRoot();
    expect(ledger(["emit", "--event-type", "run.started", "--run-id", "r", "--root", root]).code).toBe(0);
    const legacy = ["--legacy-db", `${root}/legacy.duckdb`, "--cutover", "2026-01-01"];
    const cases = [
      ["serve", "--port", "abc"],
      ["serve", "--port", "99999"],
      ["serve", "--port", "-1"],
      ["serve", "--port"],
      ["serve", "--port", "80", "--port", "81"],
      ["runs", "--limit", "abc"],
      ["runs", "--limit", "1.5"],
      ["runs", "--limit", "0"],
      ["runs", "--status", "bogus"],
      ["runs", "--since", "yesterday-ish"],
      ["events", "--since", "yesterday-ish"],
      ["demo", "--runs", "abc"],
      ["demo", "--runs", "20000"],
      ["rebuild-index", "--since-date", "bogus"],
      ["rebuild-index", "--since-date", "2026-13-01"],
      ["rebuild-index", "--since-date", "2026-02-30"],
      ["rebuild-index", "--db", `${root}/x.duckdb`],
      ["legacy", "runs", "--limit", "abc", ...legacy],
      ["legacy", "compare", "--legacy-db", "x", "--cutover", "not-a-time"],
      ["retention", "--compress-after", "a week"],
    ];
    for (const command of cases) {
      const r = ledger([...command, "--root", root]);
      const what = command.join(" ");
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(/^ledger: [^\n]+\nRun "ledger --help" for usage\.\n$/);
      expect(r.stdout, what).toBe("");
    }
    expect(ledger(["serve", "--port", "99999", "--root", root]).stderr).toMatch(
      /--port must be a whole number from 0 to 65535, got 99999/,
    );
  });
});
