import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface PendingChangeset {
  file: string;
  /** Package name to bump type (`major`, `minor`, `patch`). */
  releases: Record<string, string>;
  summary: string;
}

/** The changesets waiting in `.changeset/`, parsed from their front matter. */
export function pendingChangesets(root: string): PendingChangeset[] {
  const dir = join(root, ".changeset");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md") && f !== "README.md")
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const [, front = "", summary = ""] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
      const releases = Object.fromEntries(
        [...front.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)].map((m) => [
          m[1]!,
          m[2]!,
        ]),
      );
      return { file, releases, summary: summary.trim() };
    });
}

/** Orders `x.y.z` versions (no pre-release tags: ledger does not publish any). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
