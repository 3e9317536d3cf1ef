import { createEmitter, createRunDirectory, type Writer } from "@ledger/writer";

/** The phase plan of one backtest, from ledger's original design notes. */
export const PHASES = ["coverage", "slice", "load", "execute", "store", "aggregate"] as const;

export interface SimulateOptions {
  runs: number;
  /** Backtests running at the same time, as parallel jobs would. @default 4 */
  concurrency?: number;
  /** Prefix of the run ids, so repeated demos do not collide. */
  prefix: string;
  /** Called after each run finishes. */
  onRun?: (runId: string, status: string) => void;
}

/** Small deterministic generator, so a demo is the same every time apart from its ids. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Runs `runs` simulated backtests through `@ledger/writer`, as a backtest job emits them: created,
 * started, six phases with trials during `execute`, artifacts (trades and equity curve as Parquet,
 * a JSON summary), completed. About one run in eight fails part-way.
 */
export async function simulateBacktests(writer: Writer, options: SimulateOptions): Promise<void> {
  const emitter = createEmitter(writer);
  const queue = Array.from({ length: options.runs }, (_, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const runId = `${options.prefix}-${String(i + 1).padStart(3, "0")}`;
      const status = await simulateRun(writer, emitter, runId, i);
      options.onRun?.(runId, status);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
}

async function simulateRun(
  writer: Writer,
  emitter: ReturnType<typeof createEmitter>,
  runId: string,
  index: number,
): Promise<string> {
  const rnd = random(index + 1);
  const run = emitter.run(runId);
  const baseline = index % 6 === 0;
  const failAt = index % 8 === 5 ? (index % 16 === 5 ? "load" : "execute") : undefined;
  const symbol = ["AAPL", "MSFT", "NVDA", "SPY"][index % 4]!;
  await run.created(
    baseline ? "baseline" : "optimize",
    { strategy: "sma_cross", symbol, start: "2024-01-01", end: "2025-12-31", fast: [5, 30], slow: [20, 200] },
    `bars-${symbol}-2025q4`,
  );
  await run.started();
  const trials: { trial: string; sharpe: number; pnl: number }[] = [];
  for (const [order, phase] of PHASES.entries()) {
    const began = Date.now();
    await run.phaseStarted(phase, order);
    if (phase === failAt) {
      await run.completed(
        { error: `${phase}: ${phase === "load" ? "missing bars for 2025-03-14" : "out of memory"}` },
        [],
        {
          status: "failed",
          exit_code: 1,
        },
      );
      return "failed";
    }
    if (phase === "execute") {
      const count = baseline ? 1 : 20 + Math.floor(rnd() * 40);
      for (let t = 0; t < count; t++) {
        const fast = 5 + Math.floor(rnd() * 25);
        const slow = 20 + Math.floor(rnd() * 180);
        const sharpe = Math.round((rnd() * 3 - 0.5) * 100) / 100;
        const pnl = Math.round((rnd() - 0.3) * 50_000);
        trials.push({ trial: `t-${t}`, sharpe, pnl });
        if (baseline)
          await run.baseline("buy_and_hold", { sharpe, pnl, max_drawdown: -Math.round(rnd() * 30) / 100 });
        else
          await run.trial(
            `t-${t}`,
            { fast, slow },
            { sharpe, pnl, max_drawdown: -Math.round(rnd() * 30) / 100, trades: Math.floor(rnd() * 400) },
          );
      }
    }
    await run.phaseCompleted(phase, Date.now() - began + Math.round(rnd() * 50), {
      rows: Math.floor(rnd() * 100_000),
    });
  }
  const best = [...trials].sort((a, b) => b.sharpe - a.sharpe)[0];
  const dir = await createRunDirectory(writer, runId);
  await dir.writeParquet(
    "trades.parquet",
    Array.from({ length: 50 }, (_, k) => ({
      ts: `2025-01-${String((k % 28) + 1).padStart(2, "0")}`,
      symbol,
      qty: 10 + k,
      price: 100 + rnd() * 20,
    })),
    { kind: "trades" },
  );
  let equity = 100_000;
  const curve: { day: number; equity: number }[] = [];
  for (let day = 0; day < 120; day++) {
    equity *= 1 + (rnd() - 0.48) / 100;
    curve.push({ day, equity });
  }
  await dir.writeParquet("equity_curve.parquet", curve, { kind: "equity_curve" });
  const summary = {
    trials: trials.length,
    best_trial: best?.trial,
    best_sharpe: best?.sharpe,
    final_equity: Math.round(equity),
  };
  await dir.writeJson("summary.json", summary, { kind: "summary" });
  await run.completed(summary, ["trades.parquet", "equity_curve.parquet", "summary.json"], {
    status: "succeeded",
    exit_code: 0,
  });
  return "succeeded";
}
