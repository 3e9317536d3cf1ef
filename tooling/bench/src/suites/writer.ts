import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { createEmitter, type EventInputLike, openWriter } from "@ledger/writer";
import sonicBoom from "sonic-boom";
import { benchPeer } from "../harness/peers.js";
import { median, percentile } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";
import { typicalTrial } from "./validate.js";

interface Sample {
  rate: number;
  p50: number;
  p99: number;
}

/** What one run of a contestant hands back: per-event ack latencies (ms), and its own clock when it has one. */
interface Timed {
  latencies: number[];
  /** Wall time of the appends alone, when the contestant times them itself (child processes). */
  seconds?: number;
  /** Events acknowledged, when the contestant runs for a time rather than a count. */
  events?: number;
}

/**
 * One contestant: appends `count` events in a fresh folder. `prepare` turns the lines into the
 * contestant's input outside the timed region: a job hands ledger event objects, not lines to parse.
 */
type Contestant = {
  name: string;
  count: number;
  /** What the table says of the run's size. @default "{count} events" */
  note?: string;
  prepare?: (lines: string[]) => unknown[];
  run: (dir: string, lines: string[], prepared: unknown[]) => Promise<Timed>;
};

const now = () => performance.now();

const sqlite = () => benchPeer<typeof import("better-sqlite3")>("better-sqlite3");

/** Closed-loop appenders: each waits for its ack before sending the next. */
async function concurrent(
  n: number,
  count: number,
  append: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < count) {
        const i = next++;
        const t = now();
        await append(i);
        latencies.push(now() - t);
      }
    }),
  );
  return latencies;
}

/** What a backtest's emitter call carries: the trial's own fields, no envelope. */
interface TrialCall {
  trialId: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
}

/**
 * `n` appenders of one run through `createEmitter`, as a backtest emits: the events carry no
 * `event_id`, `timestamp_ms`, `schema_version` or `seq`, so the writer stamps every one.
 */
function emitter(n: number, durability: "fsync" | "batch", count: number): Contestant {
  return {
    name: `ledger emitter x${n} ${durability}`,
    count,
    prepare: (lines) =>
      lines.slice(0, count).map((l): TrialCall => {
        const e = JSON.parse(l);
        return { trialId: e.trial_id, params: e.params, metrics: e.metrics };
      }),
    async run(dir, _lines, calls) {
      const writer = await openWriter({ root: dir, durability });
      const run = createEmitter(writer).run("bench-run-000001");
      await run.started(); // the part file is open before the clock starts
      const latencies = await concurrent(n, count, (i) => {
        const c = calls[i] as TrialCall;
        return run.trial(c.trialId, c.params, c.metrics);
      });
      await writer.close();
      return { latencies };
    },
  };
}

/** Events that already carry their envelope, which the writer then does not stamp: no emitter sends these. */
function preStamped(n: number, count: number): Contestant {
  return {
    name: `${EXTRA} ledger pre-stamped x${n} fsync`,
    count,
    prepare: (lines) => lines.slice(0, count).map((l) => JSON.parse(l)),
    async run(dir, _lines, events) {
      const writer = await openWriter({ root: dir });
      const latencies = await concurrent(n, count, (i) => writer.append(events[i] as EventInputLike));
      await writer.close();
      return { latencies };
    },
  };
}

const CHILD = fileURLToPath(new URL("../children/writer-append.mjs", import.meta.url));

/**
 * `PROCESSES` separate processes appending at once, each one event at a time, all for the same
 * `seconds` from a common start: the rate is every event acknowledged in that time over it, so
 * one process the scheduler leaves behind does not set the figure alone.
 */
function processes(kind: "ledger" | "plain" | "plain-json", seconds: number): Contestant {
  const perProcess = 100_000;
  const names = { ledger: LEDGER_PROCESSES, plain: PLAIN_PROCESSES, "plain-json": PLAIN_JSON_PROCESSES };
  return {
    name: names[kind],
    count: 0,
    note: `${seconds} s in each process`,
    async run(dir) {
      const children = Array.from({ length: PROCESSES }, (_, i) =>
        spawn(process.execPath, [CHILD, kind, dir, String(perProcess), String(i + 1), String(seconds)], {
          stdio: ["pipe", "pipe", "inherit"],
        }),
      );
      const outputs = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
      const nextLine = async (i: number) => {
        const line = await outputs[i]!.next();
        if (line.done) throw new Error(`writer-append child ${i + 1} ended early`);
        return line.value;
      };
      await Promise.all(children.map((_, i) => nextLine(i)));
      for (const c of children) c.stdin!.write("go\n");
      const results = await Promise.all(children.map((_, i) => nextLine(i)));
      for (const c of children) c.stdin!.end();
      const latencies = results.flatMap((r) => JSON.parse(r).latencies as number[]);
      return { latencies, seconds, events: latencies.length };
    },
  };
}

function syncLoop(count: number, lines: string[], one: (line: string) => void): number[] {
  const lat: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = now();
    one(lines[i]!);
    lat.push(now() - t);
  }
  return lat;
}

const EXTRA = "extra:";
const PLAIN = "appendFileSync+fdatasyncSync";
/** Processes appending at once in the multi-process rows (their names say 8). */
const PROCESSES = 8;
const PLAIN_PROCESSES = "appendFileSync+fdatasyncSync, 8 processes";
const ONE = "ledger emitter x1 fsync";
const MANY = "ledger emitter x256 fsync";
const LEDGER_PROCESSES = "ledger emitter, 8 processes x1 fsync";
/** Not the target's peer: the plain processes serializing each event in their timed loop. */
const PLAIN_JSON_PROCESSES = `${EXTRA} appendFileSync+fdatasyncSync, 8 processes, JSON.stringify in the loop`;

const contestants: Contestant[] = [
  emitter(1, "fsync", 3_000),
  // Right after the single appender, so that both meet the machine in the same state.
  {
    name: PLAIN,
    count: 3_000,
    async run(dir, lines) {
      const fd = fs.openSync(join(dir, "log.jsonl"), "a");
      const lat = syncLoop(this.count, lines, (line) => {
        fs.appendFileSync(fd, line);
        fs.fdatasyncSync(fd);
      });
      fs.closeSync(fd);
      return { latencies: lat };
    },
  },
  emitter(16, "fsync", 30_000),
  emitter(256, "fsync", 100_000),
  emitter(256, "batch", 100_000),
  preStamped(256, 100_000),
  processes("ledger", 8),
  processes("plain", 8),
  processes("plain-json", 8),
  {
    name: "seeds: temp file+fsync+append+unlink",
    count: 2_000,
    async run(dir, lines) {
      const part = join(dir, "part-000001.jsonl");
      const latencies = syncLoop(this.count, lines, (line) => {
        const temp = join(dir, "event.tmp");
        const fd = fs.openSync(temp, "w");
        fs.writeSync(fd, line);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.appendFileSync(part, fs.readFileSync(temp));
        fs.unlinkSync(temp);
      });
      return { latencies };
    },
  },
  {
    name: "sonic-boom fsync:true",
    count: 5_000,
    async run(dir, lines) {
      const boom = new sonicBoom.SonicBoom({
        dest: join(dir, "log.jsonl"),
        sync: true,
        fsync: true,
        minLength: 0,
      });
      const lat = syncLoop(this.count, lines, (line) => boom.write(line));
      boom.destroy();
      return { latencies: lat };
    },
  },
  {
    name: "better-sqlite3 WAL synchronous=FULL",
    count: 5_000,
    // Loaded (the first time, installed) here, before the clock starts.
    prepare: () => {
      sqlite();
      return [];
    },
    async run(dir, lines) {
      const Database = sqlite();
      const db = new Database(join(dir, "log.db"));
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, line TEXT NOT NULL)");
      const insert = db.prepare("INSERT INTO events (line) VALUES (?)");
      const lat = syncLoop(this.count, lines, (line) => insert.run(line));
      db.close();
      return { latencies: lat };
    },
  },
  {
    name: "DuckDB autocommit INSERT (old architecture)",
    count: 500,
    async run(dir, lines) {
      const db = await DuckDBInstance.create(join(dir, "old.duckdb"));
      const con = await db.connect();
      await con.run("CREATE TABLE trials (event_id VARCHAR, run_id VARCHAR, trial_id VARCHAR, metrics JSON)");
      const lat: number[] = [];
      for (let i = 0; i < this.count; i++) {
        const e = JSON.parse(lines[i]!);
        const t = now();
        await con.run("INSERT INTO trials VALUES ($1, $2, $3, $4)", [
          e.event_id,
          e.run_id,
          e.trial_id,
          JSON.stringify(e.metrics),
        ]);
        lat.push(now() - t);
      }
      con.closeSync();
      db.closeSync();
      return { latencies: lat };
    },
  },
];

async function measure(c: Contestant, lines: string[]): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
  try {
    const prepared = c.prepare?.(lines) ?? [];
    const start = now();
    const timed = await c.run(dir, lines, prepared);
    const seconds = timed.seconds ?? (now() - start) / 1000;
    const sorted = Float64Array.from(timed.latencies).sort();
    return {
      rate: (timed.events ?? c.count) / seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A target of the suite: a ratio of one row to its peer's, taken in each round, then the median. */
interface Target {
  what: string;
  ratio: (round: Map<string, Sample>) => number | undefined;
  goal: string;
}

const ratioOf = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a / b;

const targets: Target[] = [
  {
    what: `one appender, ack p99: ${ONE} / ${PLAIN}`,
    ratio: (r) => ratioOf(r.get(ONE)?.p99, r.get(PLAIN)?.p99),
    goal: "<= 3",
  },
  {
    what: `256 appenders, rate: ${MANY} / ${PLAIN} (serial)`,
    ratio: (r) => ratioOf(r.get(MANY)?.rate, r.get(PLAIN)?.rate),
    goal: ">= 30",
  },
  {
    what: `8 processes, total rate: ${LEDGER_PROCESSES} / ${PLAIN_PROCESSES}`,
    ratio: (r) => ratioOf(r.get(LEDGER_PROCESSES)?.rate, r.get(PLAIN_PROCESSES)?.rate),
    goal: ">= 1",
  },
  {
    what: `${EXTRA} 8 processes beside plain ones that serialize each event as they append it, rate: ${LEDGER_PROCESSES} / ${PLAIN_JSON_PROCESSES}`,
    ratio: (r) => ratioOf(r.get(LEDGER_PROCESSES)?.rate, r.get(PLAIN_JSON_PROCESSES)?.rate),
    goal: "(information)",
  },
  {
    what: `${EXTRA} pre-stamped events beside what emitters send, rate: pre-stamped x256 / ${MANY}`,
    ratio: (r) => ratioOf(r.get(`${EXTRA} ledger pre-stamped x256 fsync`)?.rate, r.get(MANY)?.rate),
    goal: "(information)",
  },
];

/**
 * Durable append: ledger's emitters beside the usual ways to append durably (a plain append and
 * fdatasync, the seeds' temp-file scheme, a logger, SQLite, DuckDB), each in a fresh folder, same
 * events. The contestants take turns, one run of each per round, so a machine shared with other
 * work loads them alike; each target is the median of its per-round ratios.
 */
export async function writerSuite(runs: number): Promise<void> {
  const lines = Array.from({ length: 200_000 }, (_, i) => `${JSON.stringify(typicalTrial(i))}\n`);
  const bytes = Buffer.byteLength(lines[0]!);
  const only = process.env.BENCH_ONLY;
  const chosen = contestants.filter((x) => !only || x.name.includes(only));
  const rounds: Map<string, Sample>[] = [];
  for (let r = 0; r < runs; r++) {
    const round = new Map<string, Sample>();
    for (const c of chosen) round.set(c.name, await measure(c, lines));
    rounds.push(round);
    process.stderr.write(`  writer round ${r + 1}/${runs} done (load average ${loadavg()[0]!.toFixed(2)})\n`);
  }
  const rows: Row[] = chosen.map((c) => {
    const samples = rounds.map((round) => round.get(c.name)!);
    return {
      name: c.name,
      rate: median(samples.map((s) => s.rate)),
      p50: median(samples.map((s) => s.p50)),
      p99: median(samples.map((s) => s.p99)),
      note: c.note ?? `${c.count} events`,
    };
  });
  const command = `pnpm bench ${process.argv.slice(2).join(" ")}`.trim();
  printTable(
    `durable append, trial.recorded (${bytes} bytes a line), medians of ${runs} runs (${command}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, ${cpus().length} cores)`,
    "events/s",
    rows,
    PLAIN,
  );
  console.log("\ntargets, each the median of its per-round ratios:");
  for (const t of targets) {
    const ratios = rounds.map(t.ratio).filter((x): x is number => x !== undefined);
    if (ratios.length === 0) continue;
    const each = ratios.map((x) => x.toFixed(2)).join(", ");
    console.log(`  ${t.what}: ${median(ratios).toFixed(2)}x (goal ${t.goal}; rounds: ${each})`);
  }
}
