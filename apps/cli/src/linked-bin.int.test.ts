import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempRoot } from "./test-support/cli.js";

const CLI_DIR = fileURLToPath(new URL("../", import.meta.url));

describe("ledger as a command on the PATH", () => {
  it("after `npm link` in apps/cli, runs by name with clean output: --json parses, errors are one line", () => {
    // npm's global prefix, here a temporary folder, is where `npm link` puts the `ledger` bin.
    const prefix = tempRoot();
    const path = `${join(prefix, "bin")}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
    const env = {
      ...process.env,
      npm_config_prefix: prefix,
      npm_config_offline: "true",
      PATH: path,
      NO_COLOR: "1",
    };
    const link = spawnSync("npm", ["link", "--no-audit", "--no-fund"], {
      cwd: CLI_DIR,
      env,
      encoding: "utf8",
    });
    expect(link.status, link.stderr).toBe(0);
    const run = (args: string[]) => spawnSync("ledger", args, { env, encoding: "utf8" });

    const root = tempRoot();
    expect(run(["demo", "--runs", "2", "--root", root]).status).toBe(0);
    const runs = run(["runs", "--json", "--root", root]);
    expect(runs.stderr).toBe("");
    const rows = runs.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(2);
    const failed = run(["run", "no-such-run", "--json", "--root", root]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toMatch(/^ledger: no run no-such-run in the index \[LEDGER_RUN_NOT_FOUND\]\n$/);
  });
});
