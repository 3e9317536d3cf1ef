import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const running = new Set<ChildProcess>();

// A test that fails half-way must not leave a daemon or a querying reader behind: one left over
// once took a core for a quarter of an hour and skewed every benchmark run beside it.
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

/** Runs one of this folder's `*-child.ts` scripts from the TypeScript sources, in its own process. */
export function spawnChild(name: string, args: string[]): { process: ChildProcess; output: Promise<string> } {
  const script = fileURLToPath(new URL(`./${name}-child.ts`, import.meta.url));
  const child = spawn(process.execPath, ["--conditions=@ledger/source", "--import", "tsx", script, ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => {
    out += t;
  });
  const output = new Promise<string>((resolve) => child.on("close", () => resolve(out)));
  return { process: child, output };
}
