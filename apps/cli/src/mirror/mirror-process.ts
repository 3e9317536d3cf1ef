import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import type { MirrorHealth } from "@ledger/indexer";
import { type FromMirror, mirrorHealth, type ToMirror } from "./messages.js";

/** Built beside the CLI's chunks (see tsup.config.ts). */
const CHILD = new URL("./mirror-child.js", import.meta.url);

/** How long after its process died the mirror is started again. */
const RESTART_AFTER_MS = 5000;

/** How long a stopped mirror may take to end its sync before it is killed. */
const STOP_GRACE_MS = 10_000;

/**
 * The PostgreSQL mirror of `ledger daemon --pg`, run in a process of its own (`mirror-child`):
 * each sync then overlaps the next round instead of waiting for it on one event loop, which kept
 * the mirror about a round further behind the log. Its lag reaches the daemon's health file
 * through `onHealth`.
 */
export class MirrorProcess {
  #child: ChildProcess | undefined;
  #health: MirrorHealth;

  constructor(
    private readonly options: { url: string; root: string; verbose: boolean; target: string },
    private readonly onHealth: (health: MirrorHealth) => void,
  ) {
    this.#health = mirrorHealth(options.target);
  }

  /** Where it mirrors to, without credentials. */
  get target(): string {
    return this.options.target;
  }

  /** The mirror's lag as its process last reported it (within about 10 s while it runs). */
  health(): MirrorHealth {
    return this.#health;
  }

  /** Starts a sync at once: the daemon calls it after each publication. */
  wake(): void {
    if (this.#child?.connected) this.#child.send({ type: "wake" } satisfies ToMirror, () => {});
  }

  /** Runs the mirror's process until `signal` aborts, starting it again should it die. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const child = fork(CHILD, [], { stdio: "inherit", serialization: "advanced" });
      this.#child = child;
      const exited = once(child, "exit").catch(() => [null, null]) as Promise<[number | null, string | null]>;
      child.on("message", (message: FromMirror) => {
        if (message.type !== "health") return;
        this.#health = message.health;
        this.onHealth(message.health);
      });
      const { url, root, verbose } = this.options;
      child.send({ type: "start", url, root, verbose } satisfies ToMirror, () => {});
      let grace: NodeJS.Timeout | undefined;
      const stop = () => {
        child.kill("SIGTERM");
        grace = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      };
      signal.addEventListener("abort", stop, { once: true });
      const [code, signalName] = await exited;
      clearTimeout(grace);
      signal.removeEventListener("abort", stop);
      this.#child = undefined;
      if (signal.aborted) return;
      const why = signalName ? `was killed by ${signalName}` : `exited with code ${code}`;
      this.#health = { ...this.#health, error: `the mirror's process ${why}`, measuredMs: Date.now() };
      this.onHealth(this.#health);
      process.stderr.write(`ledger daemon: the PostgreSQL mirror's process ${why}; starting it again\n`);
      await delay(RESTART_AFTER_MS, undefined, { signal }).catch(() => {});
    }
  }
}
