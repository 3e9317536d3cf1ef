import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEventIdFactory, dayDirName, partFileName } from "@ledger/schema";

export const PHASES = ["coverage", "slice", "load", "execute", "store", "aggregate"] as const;

export interface WorkloadOptions {
  runs: number;
  trialsPerRun: number;
  /** First event's time. @default 2026-01-05T08:00:00Z */
  startMs?: number;
  /** One run in `failEvery` fails. @default 7 */
  failEvery?: number;
  /** Prefix of run ids, so two workloads do not collide. @default "run" */
  prefix?: string;
}

type Event = Record<string, unknown> & { event_type: string; timestamp_ms: number };

/**
 * Events of realistic backtest runs, in the order a job emits them: created, started, the six
 * phases of ledger's original design notes with trials recorded during `execute`, then
 * completed (some fail).
 */
export function* backtestEvents(options: WorkloadOptions): Generator<Event> {
  const nextId = createEventIdFactory();
  let t = options.startMs ?? Date.UTC(2026, 0, 5, 8);
  const failEvery = options.failEvery ?? 7;
  for (let r = 0; r < options.runs; r++) {
    const runId = `${options.prefix ?? "run"}-${String(r).padStart(6, "0")}`;
    let seq = 0;
    const ev = (type: string, fields: Record<string, unknown>): Event => {
      t += 3;
      return {
        event_id: nextId(t),
        event_type: type,
        schema_version: 1,
        timestamp_ms: t,
        run_id: runId,
        seq: ++seq,
        ...fields,
      };
    };
    yield ev("run.created", {
      run_type: r % 5 === 0 ? "baseline" : "optimize",
      config: { strategy: "sma_cross", symbols: ["AAPL", "MSFT"], window: 20 + (r % 10) },
      data_fingerprint: `fp-${r % 13}`,
      git: { commit: "0123456789abcdef0123456789abcdef01234567", branch: "main", dirty: r % 3 === 0 },
    });
    yield ev("run.started", {});
    const failed = failEvery > 0 && r % failEvery === failEvery - 1;
    for (const [order, phase] of PHASES.entries()) {
      yield ev("phase.started", { phase, phase_order: order });
      if (phase === "execute") {
        for (let i = 0; i < options.trialsPerRun; i++) {
          yield ev("trial.recorded", {
            trial_id: `t-${i}`,
            params: { fast: 5 + (i % 10), slow: 20 + (i % 30), stop_loss: 0.02 },
            metrics: {
              sharpe: ((i * 37) % 300) / 100,
              pnl: (i * 13) % 5000,
              max_drawdown: -((i % 20) / 100),
              trades: i % 97,
            },
          });
        }
      }
      if (failed && phase === "execute") break;
      yield ev("phase.completed", {
        phase,
        duration_ms: 100 + ((r + order) % 50),
        output_summary: { rows: 1000 + order },
      });
    }
    yield ev("run.completed", {
      status: failed ? "failed" : "succeeded",
      summary: failed
        ? { error: "execute: out of data" }
        : { trials: options.trialsPerRun, best_sharpe: 2.99 },
      artifact_paths: failed ? [] : ["summary.json", "trades.parquet"],
      exit_code: failed ? 1 : 0,
    });
  }
}

/**
 * Writes events straight to part files, one line each, without the writer's fsyncs: the fast
 * way to lay down a large log for tests and benchmarks. Returns the number of lines.
 */
export function writeLog(
  root: string,
  events: Iterable<Record<string, unknown>>,
  day = "2026-01-05",
  part = 1,
): number {
  const dir = join(root, "events", dayDirName(day));
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, partFileName(part)), "a");
  let n = 0;
  let chunk: string[] = [];
  try {
    for (const event of events) {
      chunk.push(`${JSON.stringify(event)}\n`);
      n++;
      if (chunk.length === 4096) {
        writeSync(fd, chunk.join(""));
        chunk = [];
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk.join(""));
  } finally {
    closeSync(fd);
  }
  return n;
}

/** Appends raw text (possibly broken lines) to a part file. */
export function appendRaw(root: string, text: string, day = "2026-01-05", part = 1): void {
  const dir = join(root, "events", dayDirName(day));
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, partFileName(part)), "a");
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A fresh root under the OS temp folder; the caller removes it (`rm`). */
export function makeRoot(prefix = "ledger-indexer-"): { root: string; rm: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, rm: () => rmSync(root, { recursive: true, force: true }) };
}
