import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** How hard a run pushes: `ci` fits the 10-minute budget, `soak` runs longer. */
export interface Scale {
  soak: boolean;
  kills: number;
  publications: number;
  loadSeconds: number;
}

/** One promise checked by a scenario: a figure and whether it held. */
export interface Outcome {
  scenario: string;
  /** The one line printed for the scenario. */
  line: string;
  ok: boolean;
  figures: Record<string, number | string | boolean>;
}

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export function tempDir(prefix: string): { path: string; rm: () => void } {
  const path = mkdtempSync(`${tmpdir()}/ledger-rel-${prefix}-`);
  return { path, rm: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Runs a TypeScript child (`packages/x/src/...`) from the sources, in its own process and from
 * its package's folder, where its dependencies and tsx resolve; stdout is collected by line.
 */
export function child(script: string, args: string[]) {
  const cwd = `${repoRoot}${script.split("/").slice(0, 2).join("/")}`;
  const proc: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@ledger/source", "--import", "tsx", `${repoRoot}${script}`, ...args],
    {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  let partial = "";
  proc.stdout!.setEncoding("utf8").on("data", (t: string) => {
    const parts = (partial + t).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter((l) => l !== ""));
  });
  let stderr = "";
  proc.stderr!.setEncoding("utf8").on("data", (t: string) => {
    stderr += t;
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, lines, exited, stderr: () => stderr };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `ledger serve` from the build on a free loopback port, as an operator starts it. `base` resolves
 * to its address once it prints it, and rejects if it exits first.
 */
export function serveLedger(root: string, args: string[] = []) {
  const proc = spawn(
    process.execPath,
    [join(repoRoot, "apps/cli/dist/bin.js"), "serve", "--port", "0", "--root", root, ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const base = new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.setEncoding("utf8").on("data", (t: string) => {
      out += t;
      const port = /http:\/\/[^ ]+:(\d+)\//.exec(out)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    proc.on("exit", (code) => reject(new Error(`ledger serve exited (${code}) before listening`)));
  });
  return { proc, base };
}

/** Peak resident memory of a finished or running process, from /proc (MB), or NaN. */
export function peakRssMB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
