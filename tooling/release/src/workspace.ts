import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs the pnpm the repository pins (`packageManager`), the way its README does: through npx. */
export function pnpm(args: string[], cwd = repoRoot): string {
  const { packageManager } = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8")) as {
    packageManager: string;
  };
  return execFileSync("npx", ["--yes", packageManager, ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute folder. */
  path: string;
  private: boolean;
}

export function workspacePackages(): WorkspacePackage[] {
  const all = JSON.parse(pnpm(["ls", "-r", "--depth", "-1", "--json"])) as WorkspacePackage[];
  return all.filter((p) => p.path !== repoRoot.replace(/\/$/, ""));
}

/** The packages a release publishes: every workspace package that is not private. */
export function publishablePackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => !p.private);
}

interface Packed {
  name: string;
  filename: string;
}

/**
 * Packs every publishable package into `dest` with `pnpm pack`, which turns `workspace:` and
 * `catalog:` ranges into versions and applies `publishConfig`, as publishing does. Packages must
 * be built. Returns the tarball of each package by name.
 */
export function packAll(dest: string): Map<string, string> {
  const filters = publishablePackages().flatMap((p) => ["--filter", p.name]);
  const out = JSON.parse(pnpm(["-r", ...filters, "pack", "--pack-destination", dest, "--json"])) as
    | Packed
    | Packed[];
  return new Map([out].flat().map((p) => [p.name, p.filename]));
}
