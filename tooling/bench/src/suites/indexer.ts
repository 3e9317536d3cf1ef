import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openIndexer, openIndexReader } from "@ledger/indexer";
// The indexer's own test workload: realistic runs with the seeds' phases and trials.
import { backtestEvents, writeLog } from "../../../../packages/indexer/src/test-support/workload.js";
import { latencyRow, median, timeEach } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

const benchDir = fileURLToPath(new URL("../..", import.meta.url));
const TRIALS = 480; // ~495 events per run

function logOf(events: number, prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), `ledger-bench-${prefix}-`));
  writeLog(root, backtestEvents({ runs: Math.round(events / (TRIALS + 15)), trialsPerRun: TRIALS }));
  return root;
}

function rebuildIn(
  contestant: "ledger" | "seeds",
  root: string,
): { ms: number; events: number; maxRssMB: number } {
  const out = execFileSync(process.execPath, ["src/children/rebuild.mjs", contestant, root], {
    cwd: benchDir,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
}

/** Median ms of `rounds` incremental updates of 1,000 events each, on an index already built. */
async function incremental(root: string, rounds: number): Promise<number[]> {
  const indexer = await openIndexer({ root });
  await indexer.update();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // New events carry the time they are written, as a live writer's do.
    writeLog(
      root,
      backtestEvents({ runs: 2, trialsPerRun: 485, prefix: `inc${i}`, startMs: Date.now() }),
      "2026-01-05",
      2,
    );
    const started = performance.now();
    await indexer.update();
    times.push(performance.now() - started);
  }
  await indexer.close();
  return times;
}

/**
 * Reader latency on the published index, from this process (not the indexer's): the runs page's
 * `latest_runs` and one run's phase summary, each timed `times` times after a warm-up.
 */
async function readerQueries(root: string, times: number): Promise<Row[]> {
  const reader = openIndexReader({ root });
  try {
    const runIds = (await reader.query("SELECT run_id FROM runs_status")).map((r) => String(r.run_id));
    const queries: [string, (i: number) => Promise<unknown>][] = [
      ["latest_runs, newest 50", () => reader.query("SELECT * FROM latest_runs LIMIT 50")],
      [
        "one run's phase summary",
        (i) =>
          reader.query("SELECT * FROM run_phase_summary WHERE run_id = $1", [
            runIds[(i * 7919) % runIds.length]!,
          ]),
      ],
    ];
    const rows: Row[] = [];
    for (const [name, run] of queries) {
      for (let i = 0; i < 20; i++) await run(i);
      const samples = await timeEach(times, run);
      rows.push(latencyRow(name, samples, `${runIds.length} runs, ${times} queries, target p99 <= 20 ms`));
    }
    return rows;
  } finally {
    reader.close();
  }
}

export async function indexerSuite(runs: number): Promise<void> {
  const big = logOf(1_000_000, "1m");
  const small = logOf(100_000, "100k");
  try {
    const full: Row[] = [];
    for (const contestant of ["ledger", "seeds"] as const) {
      const samples = Array.from({ length: runs }, () => rebuildIn(contestant, big));
      const ms = median(samples.map((s) => s.ms));
      const rss = median(samples.map((s) => s.maxRssMB));
      full.push({
        name:
          contestant === "ledger"
            ? "ledger rebuild (validated, 3 dbs, pointers)"
            : "seeds: CREATE OR REPLACE ... read_json_auto",
        rate: (samples[0]!.events / ms) * 1000,
        p50: ms,
        note: `peak RSS ${rss.toFixed(0)} MB, ${samples[0]!.events} events`,
      });
    }
    printTable("full rebuild of ~1M events", "events/s", full, full[0]!.name);
    const inc: Row[] = [];
    for (const [label, root] of [
      ["on 100k", small],
      ["on 1M", big],
    ] as const) {
      rebuildIn("ledger", root);
      const times = (await incremental(root, Math.max(5, runs * 2))).sort((a, b) => a - b);
      inc.push({
        name: `ledger +1,000 events ${label}`,
        rate: 1000 / (median(times) / 1000),
        p50: median(times),
        p99: times.at(-1) ?? null,
        note: "end to end, published",
      });
    }
    printTable("incremental update (target <= 50 ms, sizes within 2x)", "events/s", inc, inc[0]!.name);
    const reads = await readerQueries(big, Math.max(200, runs * 100));
    printTable("reader queries on the ~1M-event index", "queries/s", reads, reads[0]!.name);
  } finally {
    rmSync(big, { recursive: true, force: true });
    rmSync(small, { recursive: true, force: true });
  }
}
