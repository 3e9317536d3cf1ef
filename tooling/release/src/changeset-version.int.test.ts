import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, expect, it } from "vitest";
import { compareVersions, pendingChangesets } from "./changesets.js";
import { cleanEnv } from "./env.js";
import { repoRoot, workspacePackages } from "./workspace.js";

const changesetBin = join(
  dirname(createRequire(import.meta.url).resolve("@changesets/cli/package.json")),
  "bin.js",
);
const copy = mkdtempSync(join(tmpdir(), "ledger-changesets-"));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

type Manifest = { version: string; dependencies?: Record<string, string> };
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));

it("`changeset version`, run on a copy, gives each package a changeset names a higher version and a changelog entry, and leaves the rest alone", () => {
  const packages = workspacePackages();
  const pending = pendingChangesets(repoRoot);
  const named = new Map<string, string[]>();
  for (const c of pending) {
    for (const name of Object.keys(c.releases)) named.set(name, [...(named.get(name) ?? []), c.summary]);
  }
  const publishable = new Set(packages.filter((p) => !p.private).map((p) => p.name));
  // A changeset may only name packages that are published, and no package goes out unannounced.
  expect([...named.keys()].filter((n) => !publishable.has(n))).toEqual([]);
  const unreleased = packages.filter((p) => !p.private && p.version === "0.0.0").map((p) => p.name);
  expect(unreleased.filter((n) => !named.has(n))).toEqual([]);

  // Only what `changeset version` reads: the config, the changesets and every manifest.
  cpSync(join(repoRoot, ".changeset"), join(copy, ".changeset"), { recursive: true });
  for (const file of ["package.json", "pnpm-workspace.yaml"]) cpSync(join(repoRoot, file), join(copy, file));
  for (const p of packages) {
    const to = join(copy, relative(repoRoot, p.path));
    mkdirSync(to, { recursive: true });
    for (const file of ["package.json", "CHANGELOG.md"]) {
      if (existsSync(join(p.path, file))) cpSync(join(p.path, file), join(to, file));
    }
  }
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"));
  execFileSync(process.execPath, [changesetBin, "version"], { cwd: copy, env: cleanEnv(), stdio: "pipe" });

  const config = JSON.parse(readFileSync(join(repoRoot, ".changeset/config.json"), "utf8")) as {
    linked: string[][];
  };
  const released = new Map<string, string>();
  for (const p of packages) {
    const dir = join(copy, relative(repoRoot, p.path));
    const after = manifest(dir);
    if (!named.has(p.name)) {
      if (p.private) expect(after.version, p.name).toBe(p.version);
      continue;
    }
    expect(compareVersions(after.version, p.version), p.name).toBeGreaterThan(0);
    released.set(p.name, after.version);
    const changelog = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
    expect(changelog.startsWith(`# ${p.name}\n\n## ${after.version}\n`), changelog).toBe(true);
    for (const summary of named.get(p.name)!) expect(changelog).toContain(summary.split("\n")[0]);
    // Internal ranges stay `workspace:`; pnpm turns them into versions when it packs.
    for (const [dep, range] of Object.entries(manifest(p.path).dependencies ?? {})) {
      if (range.startsWith("workspace:"))
        expect(after.dependencies?.[dep], `${p.name} -> ${dep}`).toBe(range);
    }
  }
  for (const group of config.linked) {
    const versions = new Set(group.filter((n) => released.has(n)).map((n) => released.get(n)));
    expect(versions.size, `linked ${group.join(", ")}`).toBeLessThanOrEqual(1);
  }
  expect(pendingChangesets(copy)).toEqual([]);
});
