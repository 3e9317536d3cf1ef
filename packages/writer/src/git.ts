import { execFileSync } from "node:child_process";

export interface GitProvenance {
  commit: string;
  branch: string;
  dirty: boolean;
}

/** Commit, branch and dirtiness of the work tree at `cwd`; undefined outside a git checkout. */
export function gitProvenance(cwd: string = process.cwd()): GitProvenance | undefined {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return {
      commit: git("rev-parse", "HEAD"),
      branch: git("rev-parse", "--abbrev-ref", "HEAD"),
      dirty: git("status", "--porcelain", "--untracked-files=no") !== "",
    };
  } catch {
    return undefined;
  }
}
