import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "../test-support/cli.js";

describe("ledger daemon", () => {
  it.each(["abc", "0", "-5", "NaN", "", "1e9"])("refuses --interval %j as a usage error", (interval) => {
    const root = tempRoot();
    const r = ledger(["daemon", "--interval", interval, "--root", root]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^ledger: --interval must be seconds between rounds, over 0 and at most 2147483, got [^\n]+\nRun "ledger --help" for usage\.\n$/,
    );
  });
});
