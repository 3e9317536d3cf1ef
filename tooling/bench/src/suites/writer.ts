import * as fs from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type EventInputLike, openWriter } from "@ledger/writer";
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

/**
 * One contestant: appends `count` events in a fresh folder and returns per-event ack latencies
 * (ms). `prepare` turns the lines into the contestant's input outside the timed region: a job
 * hands ledger event objects, not lines to parse.
 */
type Contestant = {
  name: string;
  count: number;
  prepare?: (lines: string[]) => unknown[];
  run: (dir: string, lines: string[], prepared: unknown[]) => Promise<number[]>;
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

function ledger(concurrency: number, durability: "fsync" | "batch", count: number): Contestant {
  return {
    name: `ledger ${durability} x${concurrency}`,
    count,
    prepare: (lines) => lines.slice(0, count).map((l) => JSON.parse(l)),
    async run(dir, _lines, events) {
      const writer = await openWriter({ root: dir, durability });
      const lat = await concurrent(concurrency, count, (i) => writer.append(events[i] as EventInputLike));
      await writer.close();
      return lat;
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

const contestants: Contestant[] = [
  ledger(1, "fsync", 5_000),
  ledger(16, "fsync", 30_000),
  ledger(256, "fsync", 200_000),
  ledger(256, "batch", 200_000),
  {
    name: "seeds: temp file+fsync+append+unlink",
    count: 2_000,
    async run(dir, lines) {
      const part = join(dir, "part-000001.jsonl");
      return syncLoop(this.count, lines, (line) => {
        const temp = join(dir, "event.tmp");
        const fd = fs.openSync(temp, "w");
        fs.writeSync(fd, line);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.appendFileSync(part, fs.readFileSync(temp));
        fs.unlinkSync(temp);
      });
    },
  },
  {
    name: "appendFileSync+fdatasyncSync",
    count: 5_000,
    async run(dir, lines) {
      const fd = fs.openSync(join(dir, "log.jsonl"), "a");
      const lat = syncLoop(this.count, lines, (line) => {
        fs.appendFileSync(fd, line);
        fs.fdatasyncSync(fd);
      });
      fs.closeSync(fd);
      return lat;
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
      return lat;
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
      return lat;
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
      return lat;
    },
  },
];

async function measure(c: Contestant, lines: string[]): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
  try {
    const prepared = c.prepare?.(lines) ?? [];
    const start = now();
    const lat = await c.run(dir, lines, prepared);
    const seconds = (now() - start) / 1000;
    const sorted = Float64Array.from(lat).sort();
    return { rate: c.count / seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Durable append: ledger beside the usual ways to append durably (the seeds' temp-file scheme, a
 * plain append and fdatasync, a logger, SQLite, DuckDB), each in a fresh folder, same events.
 */
export async function writerSuite(runs: number): Promise<void> {
  const lines = Array.from({ length: 200_000 }, (_, i) => `${JSON.stringify(typicalTrial(i))}\n`);
  const bytes = Buffer.byteLength(lines[0]!);
  const rows: Row[] = [];
  const only = process.env.BENCH_ONLY;
  for (const c of contestants.filter((x) => !only || x.name.includes(only))) {
    const samples: Sample[] = [];
    for (let r = 0; r < runs; r++) samples.push(await measure(c, lines));
    rows.push({
      name: c.name,
      rate: median(samples.map((s) => s.rate)),
      p50: median(samples.map((s) => s.p50)),
      p99: median(samples.map((s) => s.p99)),
      note: `${c.count} events`,
    });
    process.stderr.write(`  measured ${c.name}\n`);
  }
  printTable(
    `durable append, trial.recorded (${bytes} bytes a line), medians of ${runs} runs`,
    "events/s",
    rows,
    "seeds: temp file+fsync+append+unlink",
  );
}
