import { ledgerPaths } from "@ledger/schema";
import { LogWaker } from "@ledger/writer";
import { IndexerOptionError } from "./errors.js";
import { type DaemonHealth, writeHealth } from "./health.js";
import { Indexer } from "./indexer.js";
import type { IndexerOptions, IngestReport } from "./options.js";
import { firstLine } from "./sql.js";
import { timed } from "./trace.js";

/** The longest delay `setTimeout` keeps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface DaemonOptions extends IndexerOptions {
  /**
   * Seconds between rounds when nothing wakes the daemon sooner. @default 30, the interval of
   * ledger's original design notes
   */
  intervalSeconds?: number;
  /**
   * Wake on file-system events under `events/`, and poll sizes every `pollMs` in case one is
   * missed, so a new event reaches readers within a second. @default true
   */
  watch?: boolean;
  /** @default 250 */
  pollMs?: number;
  /**
   * Quiet time after a wake-up before ingesting, so a burst of appends is one round. Not waited
   * after a round that published: while the log keeps growing, what came during a round is the
   * next round's batch, which starts at once, so the wait need only gather the appends of one
   * burst (a writer's group commit, a run's first events). @default 20
   */
  debounceMs?: number;
  /** Stops the daemon after the current round; the lock is released. */
  signal?: AbortSignal;
  /** Fields of the health file kept by what runs alongside, read at each write of it. */
  extraHealth?: () => Pick<DaemonHealth, "postgres">;
  /** Called after each round that did something, and on each failed round. */
  onRound?: (report: IngestReport | undefined, error?: unknown) => void;
  /**
   * Called once the daemon holds the index's lock, before its first round: for what should run
   * only while this daemon does (`ledger daemon --pg` starts its mirror here).
   */
  onStarted?: () => void;
}

/**
 * Keeps the index current until `signal` aborts: the only writer of the index while it runs.
 * A failed round is recorded in the health file and retried on the next wake-up; it never
 * stops the daemon. Resolves once stopped and the lock released.
 */
export async function runDaemon(options: DaemonOptions): Promise<DaemonHealth> {
  checkDaemonOptions(options);
  const watch = options.watch ?? true;
  const intervalMs = (options.intervalSeconds ?? 30) * 1000;
  const health: DaemonHealth = {
    pid: process.pid,
    state: "starting",
    startedMs: Date.now(),
    lag: { bytes: 0, events: 0 },
    quarantined: 0,
    events: 0,
    rounds: 0,
    errors: [],
    updatedMs: Date.now(),
  };
  const indexer = await Indexer.open(options);
  options.onStarted?.();
  const waker = new LogWaker(
    ledgerPaths(options.root).events,
    watch ? (options.pollMs ?? 250) : intervalMs,
    options.signal,
  );
  const save = () => {
    health.updatedMs = Date.now();
    writeHealth(options.root, { ...health, ...options.extraHealth?.() });
  };
  save();
  try {
    while (!options.signal?.aborted) {
      let published = false;
      try {
        const report = await indexer.update();
        published = report.published;
        health.state = "running";
        health.rounds++;
        if (report.published) {
          health.lastIngestMs = Date.now();
          health.lastReport = report;
          health.events += report.events;
          health.quarantined += report.quarantined;
          options.onRound?.(report);
        }
        health.lag = await timed(options.onPhase, "health", () => indexer.lag());
      } catch (error) {
        health.errors = [...health.errors, { atMs: Date.now(), message: firstLine(error) }].slice(-10);
        options.onRound?.(undefined, error);
      }
      await timed(options.onPhase, "health", save);
      if (published) continue;
      await timed(options.onPhase, "wait", () => waker.wait());
      if (options.debounceMs !== 0)
        await timed(options.onPhase, "debounce", () => sleep(options.debounceMs ?? 20, options.signal));
    }
    health.state = "stopped";
  } catch (error) {
    health.state = "failed";
    health.errors = [...health.errors, { atMs: Date.now(), message: firstLine(error) }].slice(-10);
    throw error;
  } finally {
    waker.close();
    await indexer.close();
    save();
  }
  return health;
}

/**
 * Refuses a wait that would spin (zero, negative, NaN) or that `setTimeout` cannot hold (over
 * 2^31 - 1 ms, which it fires at once), before the indexer takes the lock.
 */
function checkDaemonOptions(options: DaemonOptions): void {
  const waits: [string, number | undefined, number][] = [
    ["intervalSeconds", options.intervalSeconds, 1000],
    ["pollMs", options.pollMs, 1],
  ];
  for (const [name, value, msPerUnit] of waits) {
    if (value !== undefined && !(value > 0 && value * msPerUnit <= MAX_TIMEOUT_MS)) {
      throw new IndexerOptionError(
        `${name} must be a number over 0 and at most ${MAX_TIMEOUT_MS / msPerUnit}, got ${value}`,
      );
    }
  }
  const debounce = options.debounceMs;
  if (debounce !== undefined && !(debounce >= 0 && debounce <= MAX_TIMEOUT_MS)) {
    throw new IndexerOptionError(`debounceMs must be 0 or more, got ${debounce}`);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener on `signal` behind. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
