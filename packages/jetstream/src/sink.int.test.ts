import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@ledger/schema";
import { nodeFs, readLog, type WriterFs } from "@ledger/writer";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openJetStreamWriter } from "./jetstream-writer.js";
import { runSink, type Sink } from "./sink.js";
import { ensureStream } from "./stream.js";
import { findNatsServer, type NatsServer, startNatsServer } from "./test-support/nats-server.js";
import { consumerInfo } from "./test-support/streams.js";

let server: NatsServer;
let streams = 0;
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "ledger-sink-"));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

async function freshStream() {
  const n = ++streams;
  const options = { servers: server.url, stream: `S${n}`, subjectPrefix: `s${n}` };
  await ensureStream(options);
  return options;
}

async function sink(options: Parameters<typeof runSink>[0]): Promise<Sink> {
  const s = await runSink(options);
  cleanup.push(() => s.stop());
  return s;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function logEvents(root: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const record of readLog({ root })) events.push(record.event);
  return events;
}

async function publish(options: { servers: string; stream: string; subjectPrefix: string }, count: number) {
  const writer = await openJetStreamWriter(options);
  const appended = await writer.appendMany(
    Array.from({ length: count }, (_, i) => ({
      event_type: "trial.recorded",
      run_id: `run-${i % 2}`,
      trial_id: `t${i}`,
      params: {},
      metrics: { sharpe: i },
    })),
  );
  await writer.close();
  return appended.map((a) => a.event.event_id);
}

describe.skipIf(!findNatsServer())("sink on a real nats-server", () => {
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it("lands every event in the log, acknowledging each one only after its fdatasync", async () => {
    const options = await freshStream();
    const ids = await publish(options, 40);
    const root = tempRoot();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let syncs = 0;
    // Every fdatasync waits for the gate: until it opens, nothing may be acknowledged.
    const slowFs: WriterFs = {
      ...nodeFs,
      fdatasync: async (fd) => {
        syncs++;
        await gate;
        await nodeFs.fdatasync(fd);
      },
    };
    const s = await sink({ ...options, root, durable: "d", fs: slowFs });
    await until(() => syncs > 0);
    await new Promise((r) => setTimeout(r, 200));
    const before = await consumerInfo(server.url, options.stream, "d");
    expect(before.delivered.stream_seq).toBeGreaterThan(0);
    expect(before.num_ack_pending).toBe(before.delivered.stream_seq);
    expect(s.health().landed).toBe(0);
    release();
    await until(() => s.health().landed === 40);
    await until(async () => (await consumerInfo(server.url, options.stream, "d")).num_ack_pending === 0);
    await s.stop();
    expect((await logEvents(root)).map((e) => e.event_id).sort()).toEqual([...ids].sort());
    expect(s.health()).toMatchObject({ landed: 40, redeliveries: 0, rejected: 0, inFlight: 0 });
  });

  it("lets only one sink land into a log: a second fails naming the holder", async () => {
    const options = await freshStream();
    const root = tempRoot();
    const first = await sink({ ...options, root });
    const error = await runSink({ ...options, root }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LEDGER_SINK_LOCKED" });
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    await first.stop();
    // Once the first has stopped, the lock is free.
    await (await sink({ ...options, root })).stop();
  });

  it("counts a message delivered before and never acknowledged as a redelivery, and lands it once", async () => {
    const options = await freshStream();
    const [id] = await publish(options, 1);
    const root = tempRoot();
    // A sink that died after taking the message: delivered, never acknowledged.
    await (await sink({ ...options, root, durable: "d", ackWaitMs: 500 })).stop();
    const nc = await connect({ servers: server.url });
    const taken = await (await jetstream(nc).consumers.get(options.stream, "d")).next({ expires: 1_000 });
    await nc.close();
    expect(taken).not.toBeNull();
    await new Promise((r) => setTimeout(r, 600));
    const s = await sink({ ...options, root, durable: "d", ackWaitMs: 500 });
    await until(() => s.health().landed === 1);
    expect(s.health().redeliveries).toBe(1);
    await s.stop();
    expect((await logEvents(root)).map((e) => e.event_id)).toEqual([id]);
  });

  it("terminates a message that is not a stamped, valid event and lands the rest", async () => {
    const options = await freshStream();
    const nc = await connect({ servers: server.url });
    const js = jetstream(nc);
    await js.publish(`${options.subjectPrefix}.junk._`, "not json");
    await js.publish(
      `${options.subjectPrefix}.run.started.r`,
      JSON.stringify({ event_type: "run.started", run_id: "r" }),
    );
    await nc.close();
    const ids = await publish(options, 2);
    const root = tempRoot();
    const errors: unknown[] = [];
    const s = await sink({ ...options, root, onError: (e) => errors.push(e) });
    await until(() => s.health().landed === 2 && s.health().rejected === 2);
    await s.stop();
    expect(errors).toHaveLength(2);
    expect((await logEvents(root)).map((e) => e.event_id)).toEqual(ids);
  });

  it("hands a message back when its write fails, and lands it on redelivery", async () => {
    const options = await freshStream();
    const [id] = await publish(options, 1);
    const root = tempRoot();
    let failures = 1;
    const faultyFs: WriterFs = {
      ...nodeFs,
      fdatasync: async (fd) => {
        await nodeFs.fdatasync(fd);
        if (failures-- > 0) throw Object.assign(new Error("EIO: injected"), { code: "EIO" });
      },
    };
    const s = await sink({ ...options, root, fs: faultyFs });
    await until(() => s.health().landed === 1);
    await s.stop();
    expect(s.health()).toMatchObject({ writeFailures: 1, redeliveries: 1, landed: 1 });
    expect((await logEvents(root)).map((e) => e.event_id)).toEqual([id]);
  });
});
