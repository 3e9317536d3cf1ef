import { type FSWatcher, watch } from "node:fs";

/** Resolves `wait()` on the next file-system event under the events folder, or after `pollMs`. */
export class LogWaker {
  #watchers: FSWatcher[] = [];
  #wake: (() => void) | undefined;
  /** An event that came while nobody was waiting: the next `wait()` returns at once. */
  #missed = false;
  /** One listener per waker, removed by `close()`: a long-lived signal outlives many wakers. */
  readonly #onAbort = () => this.#wake?.();

  constructor(
    dir: string,
    private readonly pollMs: number,
    private readonly signal?: AbortSignal,
  ) {
    try {
      this.#watchers.push(watch(dir, { recursive: true }, () => this.#notify()));
    } catch {
      // no file-system events here (or no folder yet): polling alone
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  #notify(): void {
    if (this.#wake) this.#wake();
    else this.#missed = true;
  }

  wait(): Promise<void> {
    if (this.signal?.aborted || this.#missed) {
      this.#missed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  close(): void {
    this.signal?.removeEventListener("abort", this.#onAbort);
    for (const w of this.#watchers) w.close();
    this.#wake?.();
  }
}
