import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openIndexer, openIndexReader } from "@ledger/indexer";
// The indexer's own test workload: realistic runs with the seeds' phases and trials.
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import { latencyRow, median, timeEach } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";
import { daemonSuite } from "./daemon.js";
import { floorRounds } from "./round-floor.js";

const benchDir = fileURLToPath(new URL("../..", import.meta.url));
const TRIALS = 480; // ~495 events per run

function logOf(events: number, prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), `ledger-bench-${prefix}-`));
  writeLog(root, backtestEvents({ runs: Math.round(events / (TRIALS + 15)), trialsPerRun: TRIALS }));
  return root;
}

function rebuildIn(
  contestant: "ledger" | "ledger-native" | "seeds" | "floor",
  root: string,
): { ms: number; events: number; maxRssMB: number } {
  const out = execFileSync(process.execPath, ["src/children/rebuild.mjs", contestant, root], {
    cwd: benchDir,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
}

/**
 * Times `rounds` incremental updates, each of two new runs with `trialsPerRun` trials (485: about
 * 1,000 events), on an index already built. Returns the events of one round and each round's ms.
 */
async function incremental(
  root: string,
  rounds: number,
  trialsPerRun: number,
): Promise<{ events: number; times: number[] }> {
  const indexer = await openIndexer({ root });
  await indexer.update();
  const times: number[] = [];
  let events = 0;
  for (let i = 0; i < rounds; i++) {
    // New events carry the time they are written, as a live writer's do.
    const round = [
      ...backtestEvents({
        runs: 2,
        trialsPerRun,
        prefix: `inc${trialsPerRun}-${i}`,
        startMs: Date.now(),
      }),
    ];
    events = round.length;
    writeLog(root, round, "2026-01-05", 2);
    const started = performance.now();
    await indexer.update();
    times.push(performance.now() - started);
  }
  await indexer.close();
  return { events, times };
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
    const names = {
      ledger: "ledger rebuild (validated, 3 dbs, pointers)",
      "ledger-native": "ledger rebuild, DuckDB splits and checks lines",
      seeds: "seeds: CREATE OR REPLACE ... read_json_auto",
      floor: "floor: DuckDB alone, 2 tables, no checks",
    };
    for (const contestant of ["ledger", "ledger-native", "seeds", "floor"] as const) {
      const samples = Array.from({ length: runs }, () => rebuildIn(contestant, big));
      const ms = median(samples.map((s) => s.ms));
      const rss = median(samples.map((s) => s.maxRssMB));
      full.push({
        name: names[contestant],
        rate: (samples[0]!.events / ms) * 1000,
        p50: ms,
        note: `peak RSS ${rss.toFixed(0)} MB, ${samples[0]!.events} events`,
      });
    }
    printTable("full rebuild of ~1M events", "events/s", full, full[0]!.name);
    const inc: Row[] = [];
    // The 2-run rounds without trials show what a round costs whatever it holds.
    for (const [label, root, trialsPerRun] of [
      ["+1,000 events on 100k", small, 485],
      ["+1,000 events on 1M", big, 485],
      ["+22 events (2 runs, no trials) on 1M", big, 0],
    ] as const) {
      if (trialsPerRun > 0) rebuildIn("ledger", root);
      const { events, times } = await incremental(root, Math.max(5, runs * 2), trialsPerRun);
      times.sort((a, b) => a - b);
      inc.push({
        name: `ledger ${label}`,
        rate: events / (median(times) / 1000),
        p50: median(times),
        p99: times.at(-1) ?? null,
        note: "end to end, published",
      });
      // DuckDB alone writing the rows of the round ledger just wrote: the storage work's floor.
      for (const mode of ["cold", "warm"] as const) {
        const floor = (await floorRounds(root, Math.max(5, runs * 2), mode)).sort((a, b) => a - b);
        inc.push({
          name: `floor (${mode}): DuckDB alone, ${label}`,
          rate: events / (median(floor) / 1000),
          p50: median(floor),
          p99: floor.at(-1) ?? null,
          note:
            mode === "cold"
              ? "rows pre-staged; attach, commit, checkpoint, publish"
              : "rows pre-staged; stays attached, unpublished",
        });
      }
    }
    printTable("incremental update (target <= 50 ms, sizes within 2x)", "events/s", inc, inc[0]!.name);
    const reads = await readerQueries(big, Math.max(200, runs * 100));
    printTable("reader queries on the ~1M-event index", "queries/s", reads, reads[0]!.name);
  } finally {
    rmSync(big, { recursive: true, force: true });
    rmSync(small, { recursive: true, force: true });
  }
  // Also on its own, without the rebuilds above: `pnpm bench daemon`.
  await daemonSuite(runs);
}
