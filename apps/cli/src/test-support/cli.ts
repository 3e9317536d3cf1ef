import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

/** The built command, as users run it (the test script builds before testing). */
export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

export function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "ledger-cli-"));
  roots.push(root);
  return root;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ledger ...args` to completion. */
export function ledger(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    input: options.input ?? "",
    // A command that should have refused to start would otherwise block the test run for good.
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `ledger ...args` and resolves each time its output gains a line matching `pattern`. */
export function ledgerLive(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => {
    stdout += t;
  });
  return {
    child,
    output: () => stdout,
    async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
