import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FileLock } from "./file-lock.js";
import { tempRoot } from "./test-support/temp-root.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const script = fileURLToPath(new URL("./test-support/lock-child.ts", import.meta.url));
/** Children still running: a child spins until killed, so a failed test must not leave one. */
const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

/** Starts a child that takes and releases the lock in a loop; resolves once it has held it. */
async function churner(target: string) {
  const child = spawn(process.execPath, ["--conditions=@ledger/source", "--import", "tsx", script, target], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  running.add(child);
  const exited = new Promise((r) =>
    child.on("exit", (code) => {
      running.delete(child);
      r(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`lock child exited with ${code}`)));
  });
  return { child, exited };
}

describe("FileLock across processes", () => {
  it("a holder SIGKILLed at any point while taking or releasing the lock never blocks the next taker", async () => {
    const root = tempRoot();
    const target = join(root, "busy");
    for (let k = 0; k < 20; k++) {
      const { child, exited } = await churner(target);
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      child.kill("SIGKILL");
      await exited;
      // The owner is gone, so the lock is free at once, whatever moment the kill landed on.
      const lock = FileLock.tryAcquire(target);
      expect(lock, `after kill ${k}: ${readdirSync(root).join(", ")}`).toBeDefined();
      lock!.release();
    }
  }, 120_000);
});
