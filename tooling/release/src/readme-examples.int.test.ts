import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateLegacyDb } from "@ledger/legacy-adapter/test-support";
import { afterAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const tsx = pathToFileURL(
  createRequire(import.meta.url)
    .resolve("tsx/package.json")
    .replace(/package\.json$/, "dist/loader.mjs"),
).href;
// Scripts live under this package, so they import the packages as a user does (by name, built);
// they run in a scratch folder, so the examples' relative `data/ledger` lands there.
const scripts = mkdtempSync(join(fileURLToPath(new URL("..", import.meta.url)), ".examples-"));
const cwd = mkdtempSync(join(tmpdir(), "ledger-readme-"));
afterAll(() => {
  rmSync(scripts, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
});

/** The first TypeScript block of a package's README: its ten-line example. */
function example(pkg: string): string {
  const readme = readFileSync(join(repo, "packages", pkg, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error(`packages/${pkg}/README.md has no ts example`);
  return block;
}

function run(pkg: string): { code: number | null; stderr: string } {
  const file = join(scripts, `${pkg}.mts`);
  writeFileSync(file, example(pkg));
  const r = spawnSync(process.execPath, ["--import", tsx, file], { cwd, encoding: "utf8" });
  return { code: r.status, stderr: r.stderr };
}

describe("each package README's example", () => {
  // In order: the writer's example writes the log the indexer's example then indexes.
  for (const pkg of ["schema", "writer", "indexer", "legacy-adapter"]) {
    it(`runs as written: packages/${pkg}`, async () => {
      if (pkg === "legacy-adapter") {
        mkdirSync(join(cwd, "old"), { recursive: true });
        // Generated under another name: a file named optimizer.duckdb holding a schema
        // `optimizer` makes the generator's unqualified names ambiguous to DuckDB.
        const path = join(cwd, "old", "legacy.duckdb");
        await generateLegacyDb({ path, runs: 20, cutover: new Date("2026-03-01T00:00:00Z") });
        renameSync(path, join(cwd, "old", "optimizer.duckdb"));
      }
      const r = run(pkg);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    });
  }
});
