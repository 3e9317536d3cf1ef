import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openIndexReader } from "@ledger/indexer";
import { ensureStream, eventSubject, openJetStreamWriter } from "@ledger/jetstream";
import { findNatsServer, startNatsCluster, startNatsServer } from "@ledger/jetstream/test-support";
import { type EventInputLike, EventStamper, type Stamped } from "@ledger/writer";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, createInbox, headers } from "@nats-io/transport-node";
import { median, percentile } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";
import { typicalTrial } from "./validate.js";

const bin = fileURLToPath(new URL("../../../../apps/cli/dist/bin.js", import.meta.url));
const now = () => performance.now();

interface Sample {
  rate: number;
  /** Undefined where acks are counted, not matched to their appends. */
  p50?: number;
  p99?: number;
  /** CPU microseconds per event while timed: this process (the client) and the nats-server(s). */
  clientUs: number;
  serverUs: number;
}

/** Linux reports a process's CPU time in /proc/PID/stat in ticks of 1/USER_HZ, always 100 per second. */
const TICKS_PER_S = 100;

/** CPU seconds (user + system) a process has used so far. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/**
 * Starts counting CPU time, of this process and of the servers; the returned function stops and
 * gives microseconds per event of each.
 */
function startCpu(serverPids: number[]): (events: number) => { clientUs: number; serverUs: number } {
  const client = process.cpuUsage();
  const servers = serverPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  return (events) => {
    const used = process.cpuUsage(client);
    const serverSeconds = serverPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0) - servers;
    return {
      clientUs: (used.user + used.system) / events,
      serverUs: (serverSeconds * 1e6) / events,
    };
  };
}

let streams = 0;

/** Appends before the clock starts, so neither contestant is timed while its code is still cold. */
const WARM_UP = 500;

/**
 * Closed-loop appenders: each waits for its ack before sending the next. Events `count` and on
 * warm up the connection and the code first, untimed.
 */
async function closedLoop(
  window: number,
  count: number,
  serverPids: number[],
  append: (i: number) => Promise<unknown>,
): Promise<Sample> {
  let warm = count;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (warm < count + WARM_UP) await append(warm++);
    }),
  );
  const latencies: number[] = [];
  let next = 0;
  const cpu = startCpu(serverPids);
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
  const rate = count / ((now() - started) / 1000);
  const sorted = Float64Array.from(latencies).sort();
  return { rate, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), ...cpu(count) };
}

/** A fresh stream for one measurement, so every contestant starts from an empty one. */
async function freshStream(servers: string[], replicas: 1 | 3) {
  const n = ++streams;
  const options = { servers, stream: `BENCH${n}`, subjectPrefix: `bench${n}` };
  await ensureStream({ ...options, replicas });
  return options;
}

/** Where and how hard one measurement appends; `serverPids` are the servers whose CPU is counted. */
interface Load {
  servers: string[];
  serverPids: number[];
  replicas: 1 | 3;
  window: number;
  count: number;
}

/** The events of a run, stamped as a writer would before the clock starts. */
function stampedTrials(count: number) {
  const stamper = new EventStamper();
  return Array.from({ length: count + WARM_UP }, (_, i) => stamper.stamp(typicalTrial(i) as EventInputLike));
}

/** The events of a run as an emitter sends them: no envelope, so a writer stamps each one. */
function emittedTrials(count: number) {
  return Array.from({ length: count + WARM_UP }, (_, i) => {
    const { event_id, timestamp_ms, schema_version, seq, ...input } = typicalTrial(i);
    return input as EventInputLike;
  });
}

/** ledger's JetStream writer: stamps and validates each event, then publishes it with its id. */
async function ledgerAppends({ servers, serverPids, replicas, window, count }: Load): Promise<Sample> {
  const options = await freshStream(servers, replicas);
  const writer = await openJetStreamWriter({ ...options, maxInFlight: window });
  const events = emittedTrials(count);
  const sample = await closedLoop(window, count, serverPids, (i) => writer.append(events[i]!));
  await writer.close();
  return sample;
}

/**
 * The official client's own loop: `js.publish` with the message id, the same events stamped the
 * same way before the clock starts, the same window.
 */
async function officialPublish({ servers, serverPids, replicas, window, count }: Load): Promise<Sample> {
  const options = await freshStream(servers, replicas);
  const stamped = stampedTrials(count);
  const nc = await connect({ servers });
  const js = jetstream(nc);
  const sample = await closedLoop(window, count, serverPids, (i) => {
    const { event, line } = stamped[i]!;
    return js.publish(eventSubject(options.subjectPrefix, event), line!.slice(0, -1), {
      msgID: event.event_id,
    });
  });
  await nc.close();
  return sample;
}

/**
 * The floor of this transport on this machine, not a path users take: the official client's bare
 * `nc.publish` of payloads serialized before the clock starts, with the same subject and headers
 * as ledger's writer sends (`Nats-Msg-Id`, `Nats-Expected-Stream`) and one shared reply subject
 * whose acks are counted, not read; no stamping, no validation, no retry. With `stamping`, each
 * event is stamped, validated and serialized as it is published, as ledger's writer must: the
 * floor of any writer that keeps ledger's promises. The stream's message count afterwards checks
 * that every publish was stored.
 */
async function floorPublish(
  { servers, serverPids, replicas, window, count }: Load,
  stamping: boolean,
): Promise<Sample> {
  const options = await freshStream(servers, replicas);
  const message = ({ event, line }: Stamped) => ({
    subject: eventSubject(options.subjectPrefix, event),
    id: event.event_id,
    data: Buffer.from(line!.slice(0, -1)),
  });
  const stamper = new EventStamper();
  const inputs = emittedTrials(count);
  const ready = stamping ? [] : stampedTrials(count).map(message);
  const messageAt = stamping ? (i: number) => message(stamper.stamp(inputs[i]!)) : (i: number) => ready[i]!;
  const nc = await connect({ servers });
  const inbox = createInbox();
  const sent = headers();
  sent.set("Nats-Expected-Stream", options.stream);
  let next = 0;
  let acked = 0;
  let end = 0;
  let done = () => {};
  const publish = () => {
    const m = messageAt(next++);
    sent.set("Nats-Msg-Id", m.id);
    nc.publish(m.subject, m.data, { headers: sent, reply: inbox });
  };
  nc.subscribe(inbox, {
    callback: () => {
      acked++;
      if (next < end) publish();
      else if (acked === end) done();
    },
  });
  /** Publishes up to message `upTo`, `window` unacknowledged at most. */
  const until = (upTo: number) =>
    new Promise<void>((resolve) => {
      end = upTo;
      done = resolve;
      while (next < end && next - acked < window) publish();
    });
  await until(WARM_UP);
  const cpu = startCpu(serverPids);
  const started = now();
  await until(WARM_UP + count);
  const rate = count / ((now() - started) / 1000);
  const sample = { rate, ...cpu(count) };
  const info = await (await jetstreamManager(nc)).streams.info(options.stream);
  await nc.close();
  if (info.state.messages !== WARM_UP + count) {
    throw new Error(`floor: ${info.state.messages} of ${WARM_UP + count} publishes stored`);
  }
  return sample;
}

type Medians = Omit<Row, "name"> & { cpu: string };

/**
 * Every contestant `runs` times, taking turns (and rotating which goes first), so a change in the
 * machine's load over the suite falls on all alike; medians of each, and the median of each one's
 * paired ratio to the first contestant (the official client's loop) measured in the same run.
 */
async function sideBySide(runs: number, contestants: (() => Promise<Sample>)[]) {
  const samples: Sample[][] = contestants.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < contestants.length; k++) {
      const c = (r + k) % contestants.length;
      samples[c]!.push(await contestants[c]!());
    }
  }
  const optional = (values: (number | undefined)[]) =>
    values.some((v) => v === undefined) ? null : median(values as number[]);
  return samples.map((mine) => {
    const medians: Medians = {
      rate: median(mine.map((s) => s.rate)),
      p50: optional(mine.map((s) => s.p50)),
      p99: optional(mine.map((s) => s.p99)),
      cpu: `CPU/event: client ${median(mine.map((s) => s.clientUs)).toFixed(1)} us, nats-server ${median(mine.map((s) => s.serverUs)).toFixed(1)} us`,
    };
    return { ...medians, ratio: median(mine.map((s, i) => s.rate / samples[0]![i]!.rate)) };
  });
}

/** The one-minute load average over the cores: above 1, other work is competing for them. */
const load = () => `load ${(loadavg()[0]! / availableParallelism()).toFixed(1)}/core`;

/**
 * ledger's writer beside `js.publish` with 1 and 256 in flight; at 256 in flight on one node, also
 * the transport's floor (`floorPublish`), bare and stamping: extra rows that bound what any client,
 * and any writer that stamps and validates, reaches on this machine.
 */
async function appendTable(
  title: string,
  servers: string[],
  serverPids: () => number[],
  replicas: 1 | 3,
  runs: number,
): Promise<void> {
  const rows: Row[] = [];
  for (const [window, count] of [
    [1, 2_000],
    [256, 40_000],
  ] as const) {
    const before = load();
    const withFloor = replicas === 1 && window === 256;
    const at = (): Load => ({ servers, serverPids: serverPids(), replicas, window, count });
    const [official, ledger, floor, stampingFloor] = await sideBySide(runs, [
      () => officialPublish(at()),
      () => ledgerAppends(at()),
      ...(withFloor ? [() => floorPublish(at(), false), () => floorPublish(at(), true)] : []),
    ]);
    const note = `${count} events, ${before} -> ${load()}`;
    const paired = (m: { ratio: number }) => `paired runs: ${m.ratio.toFixed(2)}x js.publish`;
    rows.push({
      name: `ledger JetStreamWriter x${window}`,
      ...ledger!,
      note: `${note}; ${paired(ledger!)}; ${ledger!.cpu}`,
    });
    rows.push({ name: `js.publish x${window}`, ...official!, note: `${note}; ${official!.cpu}` });
    if (floor && stampingFloor) {
      rows.push({
        name: `EXTRA floor: bare nc.publish x${window}`,
        ...floor,
        note: `a floor, not a path users take (pre-serialized, no stamping or validation, acks counted not read); ${note}; ${paired(floor)}; ${floor.cpu}`,
      });
      rows.push({
        name: `EXTRA floor + stamping x${window}`,
        ...stampingFloor,
        note: `the floor stamping, validating and serializing each event as ledger must; not a path users take; ${note}; ${paired(stampingFloor)}; ${stampingFloor.cpu}`,
      });
    }
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
    const pids = () => [single.pid!];
    await appendTable("JetStream appends, one node (replicas 1)", [single.url], pids, 1, runs);
    await visibleTable([single.url]);
  } finally {
    await single.destroy();
  }
  const cluster = await startNatsCluster(3);
  try {
    const pids = () => cluster.servers.map((s) => s.pid!);
    await appendTable("JetStream appends, three-node cluster (replicas 3)", cluster.urls, pids, 3, runs);
  } finally {
    await cluster.destroy();
  }
}
