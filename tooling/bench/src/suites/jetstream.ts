import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openIndexReader } from "@ledger/indexer";
import { ensureStream, eventSubject, openJetStreamWriter } from "@ledger/jetstream";
import { findNatsServer, startNatsCluster, startNatsServer } from "@ledger/jetstream/test-support";
import { type EventInputLike, EventStamper } from "@ledger/writer";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { median, percentile } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";
import { typicalTrial } from "./validate.js";

const bin = fileURLToPath(new URL("../../../../apps/cli/dist/bin.js", import.meta.url));
const now = () => performance.now();

interface Sample {
  rate: number;
  p50: number;
  p99: number;
}

let streams = 0;

/** Appends before the clock starts, so neither contestant is timed while its code is still cold. */
const WARM_UP = 500;

/**
 * Closed-loop appenders: each waits for its ack before sending the next. Events `count` and on
 * warm up the connection and the code first, untimed.
 */
async function closedLoop(window: number, count: number, append: (i: number) => Promise<unknown>) {
  let warm = count;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (warm < count + WARM_UP) await append(warm++);
    }),
  );
  const latencies: number[] = [];
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count) {
        const i = next++;
        const t = now();
        await append(i);
        latencies.push(now() - t);
      }
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  return {
    rate: count / ((now() - started) / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

/** A fresh stream for one measurement, so every contestant starts from an empty one. */
async function freshStream(servers: string[], replicas: 1 | 3) {
  const n = ++streams;
  const options = { servers, stream: `BENCH${n}`, subjectPrefix: `bench${n}` };
  await ensureStream({ ...options, replicas });
  return options;
}

/** ledger's JetStream writer: stamps and validates each event, then publishes it with its id. */
async function ledgerAppends(
  servers: string[],
  replicas: 1 | 3,
  window: number,
  count: number,
): Promise<Sample> {
  const options = await freshStream(servers, replicas);
  const writer = await openJetStreamWriter({ ...options, maxInFlight: window });
  // As an emitter sends them: no envelope, so the writer stamps each one as it would for a backtest.
  const events = Array.from({ length: count + WARM_UP }, (_, i) => {
    const { event_id, timestamp_ms, schema_version, seq, ...input } = typicalTrial(i);
    return input as EventInputLike;
  });
  const sample = await closedLoop(window, count, (i) => writer.append(events[i]!));
  await writer.close();
  return sample;
}

/**
 * The official client's own loop: `js.publish` with the message id, the same events stamped the
 * same way before the clock starts, the same window.
 */
async function officialPublish(
  servers: string[],
  replicas: 1 | 3,
  window: number,
  count: number,
): Promise<Sample> {
  const options = await freshStream(servers, replicas);
  const stamper = new EventStamper();
  const stamped = Array.from({ length: count + WARM_UP }, (_, i) =>
    stamper.stamp(typicalTrial(i) as EventInputLike),
  );
  const nc = await connect({ servers });
  const js = jetstream(nc);
  const sample = await closedLoop(window, count, (i) => {
    const { event, line } = stamped[i]!;
    return js.publish(eventSubject(options.subjectPrefix, event), line!.slice(0, -1), {
      msgID: event.event_id,
    });
  });
  await nc.close();
  return sample;
}

/**
 * Both contestants `runs` times, alternating (and alternating which goes first), so a change in
 * the machine's load over the suite falls on both alike; medians of each, and the median of the
 * paired runs' ratios.
 */
async function sideBySide(
  runs: number,
  ledger: () => Promise<Sample>,
  official: () => Promise<Sample>,
): Promise<{ ledger: Omit<Row, "name">; official: Omit<Row, "name">; ratio: number }> {
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      ours.push(await ledger());
      theirs.push(await official());
    } else {
      theirs.push(await official());
      ours.push(await ledger());
    }
  }
  const medians = (samples: Sample[]) => ({
    rate: median(samples.map((s) => s.rate)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
  });
  return {
    ledger: medians(ours),
    official: medians(theirs),
    ratio: median(ours.map((s, i) => s.rate / theirs[i]!.rate)),
  };
}

/** The one-minute load average over the cores: above 1, other work is competing for them. */
const load = () => `load ${(loadavg()[0]! / availableParallelism()).toFixed(1)}/core`;

async function appendTable(title: string, servers: string[], replicas: 1 | 3, runs: number): Promise<void> {
  const rows: Row[] = [];
  for (const [window, count] of [
    [1, 2_000],
    [256, 40_000],
  ] as const) {
    const before = load();
    const pair = await sideBySide(
      runs,
      () => ledgerAppends(servers, replicas, window, count),
      () => officialPublish(servers, replicas, window, count),
    );
    const note = `${count} events, ${before} -> ${load()}`;
    rows.push({
      name: `ledger JetStreamWriter x${window}`,
      ...pair.ledger,
      note: `${note}; paired runs: ${pair.ratio.toFixed(2)}x js.publish`,
    });
    rows.push({ name: `js.publish x${window}`, ...pair.official, note });
    process.stderr.write(`  measured ${title}, ${window} in flight\n`);
  }
  printTable(`${title}, medians of ${runs} runs`, "events/s", rows, "js.publish x256");
}

function cli(args: string[]): { proc: ChildProcess; exited: Promise<unknown> } {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return { proc, exited: new Promise((resolve) => proc.once("exit", resolve)) };
}

async function waitForLine(proc: ChildProcess, pattern: RegExp): Promise<void> {
  let text = "";
  for await (const chunk of proc.stdout!) {
    text += String(chunk);
    if (pattern.test(text)) return;
  }
  throw new Error(`exited before printing ${pattern}`);
}

/** Longer than any healthy wait on a loaded machine: past it the suite fails instead of hanging. */
const GIVE_UP_MS = 60_000;

/** Bytes in the log's part files: grows when the sink has landed (written and fdatasync'ed) an event. */
function logBytes(root: string): number {
  const events = join(root, "events");
  let bytes = 0;
  for (const day of existsSync(events) ? readdirSync(events) : []) {
    if (!day.startsWith("day=")) continue;
    for (const part of readdirSync(join(events, day))) {
      if (part.endsWith(".jsonl")) bytes += statSync(join(events, day, part)).size;
    }
  }
  return bytes;
}

/**
 * From `append()` to the event landed in the log by `ledger sink`, and on to a reader of the
 * published index seeing it: JetStream, the sink, the log, `ledger daemon` (watching the log), the
 * published index.
 */
async function appendToVisible(
  servers: string[],
  events: number,
): Promise<{ landed: number[]; visible: number[] }> {
  const root = mkdtempSync(join(tmpdir(), "ledger-bench-visible-"));
  const options = await freshStream(servers, 1);
  const sink = cli(["sink", "--nats", servers.join(","), "--stream", options.stream, "--root", root]);
  const writer = await openJetStreamWriter(options);
  const reader = openIndexReader({ root });
  let daemon: ReturnType<typeof cli> | undefined;
  try {
    // The daemon starts once the sink has made the log: it refuses a root without one.
    await waitForLine(sink.proc, /landing stream/);
    daemon = cli(["daemon", "--root", root]);
    await writer.append({ event_type: "run.started", run_id: "visible" });
    await waitForLine(daemon.proc, /indexing/);
    const landed: number[] = [];
    const visible: number[] = [];
    for (let i = 0; i < events; i++) {
      const before = logBytes(root);
      const started = now();
      const { event } = await writer.append({
        event_type: "phase.started",
        run_id: "visible",
        phase: `p${i}`,
        phase_order: i,
      });
      while (logBytes(root) === before) {
        if (now() - started > GIVE_UP_MS) throw new Error(`ledger sink landed nothing in ${GIVE_UP_MS} ms`);
        await new Promise((r) => setTimeout(r, 1));
      }
      landed.push(now() - started);
      for (;;) {
        const rows = await reader
          .query("SELECT 1 FROM event_pointers WHERE event_id = $1", [event.event_id])
          .catch(() => []);
        if (rows.length > 0) break;
        if (now() - started > GIVE_UP_MS)
          throw new Error(`ledger daemon did not index a landed event within ${GIVE_UP_MS} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
      visible.push(now() - started);
    }
    return { landed: landed.sort((a, b) => a - b), visible: visible.sort((a, b) => a - b) };
  } finally {
    reader.close();
    await writer.close();
    for (const p of [sink, daemon]) p?.proc.kill("SIGTERM");
    await Promise.all([sink.exited, daemon?.exited]);
    rmSync(root, { recursive: true, force: true });
  }
}

/** The append-to-visible figures, or one line saying why there are none (the suite goes on). */
async function visibleTable(servers: string[]): Promise<void> {
  const title =
    "append to visible in the index: JetStream -> ledger sink -> log -> ledger daemon -> reader, one node";
  const before = load();
  let samples: { landed: number[]; visible: number[] };
  try {
    samples = await appendToVisible(servers, 30);
  } catch (error) {
    console.log(`\n## ${title}\nnot measured: ${(error as Error).message} (${before})`);
    return;
  }
  const note = `${samples.visible.length} events, one at a time, ${before} -> ${load()}`;
  const row = (name: string, ms: number[]): Row => ({
    name,
    rate: 1000 / median(ms),
    p50: median(ms),
    p99: percentile(ms, 0.99),
    note,
  });
  printTable(
    title,
    "events/s",
    [row("in the log (sink, fdatasync)", samples.landed), row("visible in the index", samples.visible)],
    "visible in the index",
  );
}

/**
 * Appends over JetStream: ledger's writer beside the official client's `js.publish` loop with the
 * same window (1 and 256 in flight), on one node (replicas 1) and on a three-node cluster
 * (replicas 3); then append-to-visible through the sink and the daemon. Real servers on loopback.
 */
export async function jetstreamSuite(runs: number): Promise<void> {
  if (!findNatsServer()) {
    console.log("\n## jetstream: skipped, nats-server is not installed");
    return;
  }
  const single = await startNatsServer();
  try {
    await appendTable("JetStream appends, one node (replicas 1)", [single.url], 1, runs);
    await visibleTable([single.url]);
  } finally {
    await single.destroy();
  }
  const cluster = await startNatsCluster(3);
  try {
    await appendTable("JetStream appends, three-node cluster (replicas 3)", cluster.urls, 3, runs);
  } finally {
    await cluster.destroy();
  }
}
