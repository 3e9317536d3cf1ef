import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv } from "./env.js";
import { packAll } from "./workspace.js";

const consumers = fileURLToPath(new URL("consumers/", import.meta.url));

/** A project of a user's: an empty folder where plain npm installs the given tarballs. */
function userProject(path: string, tarballs: string[]) {
  mkdirSync(path);
  writeFileSync(
    join(path, "package.json"),
    `${JSON.stringify({ name: "user-project", private: true, type: "module" })}\n`,
  );
  const env = cleanEnv();
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], {
    cwd: path,
    env,
  });
  return {
    path,
    run(command: string, args: string[]): string {
      return execFileSync(command, args, { cwd: path, env, encoding: "utf8" });
    },
    script(name: string, args: string[]): Record<string, unknown> {
      copyFileSync(join(consumers, name), join(path, name));
      return JSON.parse(execFileSync("node", [name, ...args], { cwd: path, env, encoding: "utf8" }));
    },
  };
}

describe("the packed packages, installed with npm outside the monorepo", () => {
  let dir: string;
  let tarballs: Map<string, string>;
  const tarball = (name: string) => {
    const file = tarballs.get(name);
    if (!file) throw new Error(`${name} was not packed`);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ledger-install-"));
    tarballs = packAll(join(dir, "tarballs"));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("every package: `npx ledger demo` runs, a script emits a run through @ledger/writer, one reads legacy and index through @ledger/legacy-adapter", () => {
    const project = userProject(join(dir, "all"), [...tarballs.values()]);
    const root = join(project.path, "data");

    const demo = project.run("npx", ["--no-install", "ledger", "demo", "--runs", "3", "--root", root]);
    expect(demo).toMatch(/demo-/);
    const runs = project.run("npx", ["--no-install", "ledger", "runs", "--json", "--root", root]);
    expect(runs.trim().split("\n")).toHaveLength(3);

    const emitted = project.script("emit-run.mjs", [join(project.path, "emitted")]);
    expect(emitted).toEqual({
      types: ["run.created", "run.started", "artifact.created", "artifact.created", "run.completed"],
      parquet: "written",
    });

    const dual = project.script("dual-mode.mjs", [root, join(project.path, "legacy.duckdb")]) as {
      legacy: number;
      index: number;
    };
    expect(dual.legacy).toBeGreaterThan(0);
    expect(dual.index).toBe(3);
  });

  it("@ledger/writer alone installs no DuckDB, appends, and says what is missing when asked for Parquet", () => {
    const project = userProject(join(dir, "writer"), [tarball("@ledger/schema"), tarball("@ledger/writer")]);
    expect(existsSync(join(project.path, "node_modules", "@duckdb"))).toBe(false);
    const emitted = project.script("emit-run.mjs", [join(project.path, "data")]);
    expect(emitted).toEqual({
      types: ["run.created", "run.started", "artifact.created", "run.completed"],
      parquet: "LEDGER_DUCKDB_MISSING",
    });
  });
});
