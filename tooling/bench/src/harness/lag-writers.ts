import { type ChildProcess, spawn } from "node:child_process";

const LAG_WRITER = new URL("../children/pg-lag-writer.mjs", import.meta.url).pathname;

/** A run's first or last event, as its writer announced it once the append resolved. */
export interface Appended {
  key: string;
  run: string;
  /** The run's `run.completed`: seen once the run shows a final status. */
  final: boolean;
  /** Wall-clock ms when the append resolved (fdatasync'ed). */
  atMs: number;
  /** Wall-clock ms when the append was called: its bytes were written after this. */
  calledMs: number;
}

export interface LagWriter {
  proc: ChildProcess;
  appended: Appended[];
  /** Resolves with the events appended, once the writer has exited and its output is read. */
  exited: Promise<number>;
}

/** A writer process (pg-lag-writer.mjs) appending realistic runs at `rate` events/s for `seconds`. */
export function startLagWriter(root: string, prefix: string, rate: number, seconds: number): LagWriter {
  const proc = spawn(process.execPath, [LAG_WRITER, root, prefix, String(rate), String(seconds)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const appended: Appended[] = [];
  let events = 0;
  let partial = "";
  proc.stdout!.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const [run, what, at, called] = line.split(" ");
      if (run === "done") events = Number(what);
      else {
        const final = what === "completed";
        appended.push({
          key: `${run} ${what}`,
          run: run!,
          final,
          atMs: Number(at),
          calledMs: Number(called),
        });
      }
    }
  });
  // "close", not "exit": only then has all of its stdout been read.
  const exited = new Promise<number>((resolve, reject) =>
    proc.once("close", (code) => (code === 0 ? resolve(events) : reject(new Error(`writer exited ${code}`)))),
  );
  return { proc, appended, exited };
}

/** `count` writer processes appending `rate` events/s in all, for `seconds`. */
export interface LagLoad {
  writers: LagWriter[];
  /** Whether any writer is still running. */
  writing(): boolean;
  /** The events each writer appended, once all have exited. */
  totals: Promise<number[]>;
  /** Stops the writers still running: for a measurement that failed. */
  stop(): void;
}

export function startLagLoad(root: string, count: number, rate: number, seconds: number): LagLoad {
  const writers = Array.from({ length: count }, (_, w) =>
    startLagWriter(root, `w${w}`, rate / count, seconds),
  );
  let writing = true;
  const totals = Promise.all(writers.map((w) => w.exited)).finally(() => {
    writing = false;
  });
  // Awaited once the poll ends; a writer failing during the poll must not be an unhandled rejection.
  totals.catch(() => {});
  return {
    writers,
    writing: () => writing,
    totals,
    stop() {
      for (const w of writers) if (w.proc.exitCode === null) w.proc.kill("SIGTERM");
    },
  };
}

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

/** What `pollVisible` asks of the store being measured. */
export interface VisibilityProbe {
  /** Identity of what readers see now; it changes with every change they can see (a publication, a commit). */
  version(): string | Promise<string>;
  /** The status of each of `runs` that a reader sees now. */
  statuses(runs: string[]): Promise<Map<string, string>>;
  /** Called when `version` changed, once the runs have been looked at. */
  onChange?(): Promise<void>;
}

const wallMs = () => performance.timeOrigin + performance.now();

/** Wall clocks of two processes may disagree by a little: an append called this soon after is looked for too. */
const CLOCK_MARGIN_MS = 5;

/**
 * For every announced append: the ms from its append resolving to a reader seeing its run (with
 * a final status, for a run's last event), polled every 10 ms until the writers are done and all
 * is seen, or 60 s after. The poll reads `version` every 10 ms and the runs only when it changed,
 * so its own queries take little CPU from the processes it measures. An append announced after
 * the version changed is looked for at once only if the change was seen after the append was
 * called (only then may what readers see hold it); otherwise at the next change. Returns the
 * samples, sorted, and how many appends were never seen.
 */
export async function pollVisible(
  { writers, writing }: LagLoad,
  probe: VisibilityProbe,
): Promise<{ samples: number[]; unseen: number }> {
  const taken = writers.map(() => 0);
  /** Announced appends not seen yet. */
  let pending: Appended[] = [];
  const samples: number[] = [];
  let version: string | undefined;
  let versionSeenMs = 0;
  let drainUntil = Number.POSITIVE_INFINITY;
  for (;;) {
    if (!writing()) drainUntil = Math.min(drainUntil, Date.now() + 60_000);
    const now = await probe.version();
    const changed = now !== version;
    if (changed) {
      version = now;
      versionSeenMs = wallMs();
    }
    const fresh = writers.flatMap((w, i) => w.appended.slice(taken[i]));
    writers.forEach((w, i) => {
      taken[i] = w.appended.length;
    });
    pending.push(...fresh);
    const done = (pending.length === 0 && !writing()) || Date.now() > drainUntil;
    // A change seen before an append was called cannot hold it: that append waits for the next.
    const due = done
      ? []
      : changed
        ? pending
        : fresh.filter((a) => a.calledMs <= versionSeenMs + CLOCK_MARGIN_MS);
    if (due.length > 0) {
      const status = await probe.statuses([...new Set(due.map((a) => a.run))]);
      const at = wallMs();
      const seen = new Set<string>();
      for (const a of due) {
        const s = status.get(a.run);
        if (s === undefined || (a.final && !FINAL.has(s))) continue;
        seen.add(a.key);
        samples.push(at - a.atMs);
      }
      if (seen.size > 0) pending = pending.filter((a) => !seen.has(a.key));
    }
    if (changed) await probe.onChange?.();
    if (done) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { samples: samples.sort((a, b) => a - b), unseen: pending.length };
}
