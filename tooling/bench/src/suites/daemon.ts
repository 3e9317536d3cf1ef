import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listValue } from "@duckdb/node-api";
import { openIndexReader } from "@ledger/indexer";
import { type LagLoad, pollVisible, startLagLoad, startLagWriter } from "../harness/lag-writers.js";
import { ledgerBin } from "../harness/serve.js";
import { median, percentile } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

/** The load: writer processes appending this many events per second in all, for this long. */
const RATE = 5000;
const WRITERS = 2;
const SECONDS = 20;
const child = (name: string) => new URL(`../children/${name}`, import.meta.url).pathname;

/** What one run of the load measured. */
interface LagRun {
  eventsPerSecond: number;
  /** Append to visible, ms, sorted. */
  latencies: number[];
  /** Appends whose run never showed in the index within 60 s of the writers' end. */
  unseen: number;
  /** Rounds that published, as the instrumented daemon timed them (absent for `ledger daemon`). */
  rounds?: RoundRecord[];
}

interface RoundRecord {
  events: number;
  /** From the round's start to the next one's, waits included. */
  cycleMs: number;
  roundMs: number;
  phases: Record<string, number>;
}

/** `ledger daemon`, or the same daemon timing each round's steps; its stdout once it stops. */
function daemon(root: string, phases: boolean): { proc: ChildProcess; output: Promise<string> } {
  const args = phases ? [child("daemon-phases.mjs"), root] : [ledgerBin, "daemon", "--root", root];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let text = "";
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  return { proc, output: new Promise((resolve) => proc.once("exit", () => resolve(text))) };
}

/** The published runs file's inode and mtime: a publication renames a new file in. */
function publicationOf(root: string): string {
  const st = statSync(join(root, "index", "runs.duckdb"), { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}` : "";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writers append realistic runs at `RATE` events/s in all while the daemon indexes them. For
 * every run's first and last event: the time from its append resolving (fdatasync'ed) to a
 * query of the published index seeing the run, then with its final status, looked for from this
 * process as `pollVisible` does (the reply's time counts).
 */
async function daemonLag(phases: boolean): Promise<LagRun> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-daemon-"));
  const root = join(dir, "root");
  const reader = openIndexReader({ root });
  let running: ReturnType<typeof daemon> | undefined;
  let load: LagLoad | undefined;
  try {
    // A first run, so the log and the index exist before the load starts.
    await startLagWriter(root, "seed", 200, 0.2).exited;
    running = daemon(root, phases);
    const statusOf = async (runs: string[]) => {
      if (!reader.exists()) return new Map<string, string>();
      const rows = await reader.query(
        "SELECT run_id, status FROM runs_status WHERE run_id IN (SELECT unnest($1))",
        [listValue(runs)],
      );
      return new Map(rows.map((r) => [String(r.run_id), String(r.status)]));
    };
    for (
      const deadline = Date.now() + 60_000;
      (await statusOf(["seed-000000"])).size === 0;
      await sleep(20)
    ) {
      if (Date.now() > deadline) throw new Error("the seed run never reached the index");
    }
    load = startLagLoad(root, WRITERS, RATE, SECONDS);
    // Readers see new rows only when a publication renames a new runs file in.
    const { samples, unseen } = await pollVisible(load, {
      version: () => publicationOf(root),
      statuses: statusOf,
    });
    const events = (await load.totals).reduce((a, b) => a + b, 0);
    running.proc.kill("SIGTERM");
    const output = await running.output;
    running = undefined;
    const measured: LagRun = { eventsPerSecond: events / SECONDS, latencies: samples, unseen };
    if (phases) measured.rounds = JSON.parse(output.trim().split("\n").at(-1) ?? "[]") as RoundRecord[];
    return measured;
  } finally {
    reader.close();
    // On a failure, writers still appending would outlive the suite.
    load?.stop();
    if (running) {
      running.proc.kill("SIGTERM");
      await running.output;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median over runs of each run's p50 and p99; every run's figures in the note. */
function lagRow(name: string, measured: LagRun[], note: string): Row {
  const p50s = measured.map((m) => median(m.latencies));
  const p99s = measured.map((m) => percentile(m.latencies, 0.99));
  const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(", ");
  return {
    name,
    rate: median(measured.map((m) => m.eventsPerSecond)),
    p50: median(p50s),
    p99: median(p99s),
    note: `${note}; p50s ${list(p50s)} ms; p99s ${list(p99s)} ms; unseen ${measured.map((m) => m.unseen).join(", ")}`,
  };
}

/** Each step's median ms per round that published, over every round of every run. */
function phaseRows(measured: LagRun[]): Row[] {
  const rounds = measured.flatMap((m) => m.rounds ?? []);
  const names = [...new Set(rounds.flatMap((r) => Object.keys(r.phases)))];
  const perRound = (pick: (r: RoundRecord) => number) => median(rounds.map(pick));
  const cycle = perRound((r) => r.cycleMs);
  const events = perRound((r) => r.events);
  const row = (name: string, ms: number, note: string): Row => ({
    name,
    rate: ms > 0 ? 1000 / ms : 0,
    p50: ms,
    p99: percentile(
      rounds.map((r) => (name === "whole cycle" ? r.cycleMs : (r.phases[name] ?? 0))).sort((a, b) => a - b),
      0.99,
    ),
    note,
  });
  return [
    row(
      "whole cycle",
      cycle,
      `${rounds.length} rounds, median ${events} events a round; start to next start`,
    ),
    ...names.map((n) => {
      const ms = perRound((r) => r.phases[n] ?? 0);
      return row(n, ms, `${((ms / cycle) * 100).toFixed(0)}% of the median cycle`);
    }),
  ];
}

/**
 * `pnpm bench daemon`: how soon a new event is visible in the index while writers append
 * `RATE` events/s, through `ledger daemon` as users run it, and where each round's time goes.
 */
export async function daemonSuite(runs: number): Promise<void> {
  const plain: LagRun[] = [];
  const timed: LagRun[] = [];
  for (let r = 0; r < runs; r++) {
    plain.push(await daemonLag(false));
    timed.push(await daemonLag(true));
  }
  printTable(
    `daemon: append -> visible in the index while ${WRITERS} writers append ${RATE.toLocaleString("en")} events/s for ${SECONDS} s (target p50 <= 500 ms, p99 <= 1,000 ms)`,
    "events/s appended",
    [
      lagRow("ledger daemon", plain, "as users run it"),
      lagRow("ledger daemon, steps timed", timed, "onPhase on; commits as statements of their own"),
    ],
    "ledger daemon",
  );
  printTable(
    "daemon rounds under that load: median ms per round of each step (steps of the three databases overlap)",
    "per s",
    phaseRows(timed),
    "whole cycle",
  );
}
