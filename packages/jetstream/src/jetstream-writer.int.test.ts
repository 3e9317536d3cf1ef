import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmitter, createRunDirectory } from "@ledger/writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJetStreamWriter } from "./jetstream-writer.js";
import { ensureStream } from "./stream.js";
import { findNatsServer, type NatsServer, startNatsServer } from "./test-support/nats-server.js";
import { storedMessages as storedOn } from "./test-support/streams.js";

let server: NatsServer;
let streams = 0;

/** A fresh stream and subject prefix per test, so tests share the server and nothing else. */
async function freshStream(duplicateWindowMs?: number) {
  const n = ++streams;
  const options = { servers: server.url, stream: `T${n}`, subjectPrefix: `t${n}` };
  await ensureStream({ ...options, ...(duplicateWindowMs ? { duplicateWindowMs } : {}) });
  return options;
}

const storedMessages = (stream: string) => storedOn(server.url, stream);

const trial = (runId: string, i: number) => ({
  event_type: "trial.recorded",
  run_id: runId,
  trial_id: `t${i}`,
  params: { i },
  metrics: { sharpe: i / 10 },
});

describe.skipIf(!findNatsServer())("JetStream writer on a real nats-server", () => {
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it("publishes one message per event on <prefix>.<type>.<run>, with the event id as message id, after stamping it", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter(options);
    const first = await writer.append(trial("bt.1", 1));
    const second = await writer.append({
      event_type: "alert.ingested",
      alert_id: "a1",
      source: "s",
      received_at_ms: 1,
      payload: {},
    });
    await writer.close();
    expect(first.event).toMatchObject({ seq: 1, schema_version: 1, run_id: "bt.1" });
    expect(first.ack).toEqual({ stream: options.stream, seq: 1, duplicate: false });
    const stored = await storedMessages(options.stream);
    expect(stored.map((m) => m.subject)).toEqual([
      `${options.subjectPrefix}.trial.recorded.bt%2E1`,
      `${options.subjectPrefix}.alert.ingested._`,
    ]);
    expect(stored[0]!.header.get("Nats-Msg-Id")).toBe(first.event.event_id);
    expect(stored[0]!.json()).toEqual(first.event);
    expect(stored[1]!.json()).toEqual(second.event);
    expect(writer.health()).toMatchObject({ appended: 2, failedAppends: 0, inFlight: 0, duplicates: 0 });
  });

  it("rejects an invalid event with the schema error and sends nothing, in a batch too", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter(options);
    await expect(writer.append({ event_type: "trial.recorded", run_id: "r" })).rejects.toMatchObject({
      code: "LEDGER_SCHEMA_INVALID",
    });
    await expect(
      writer.appendMany([trial("r", 1), { event_type: "phase.started", run_id: "r" }]),
    ).rejects.toMatchObject({
      code: "LEDGER_SCHEMA_INVALID",
    });
    // The failed batch took no seq: the next event of the run is still its first.
    expect((await writer.append(trial("r", 1))).event.seq).toBe(1);
    await writer.close();
    expect(await storedMessages(options.stream)).toHaveLength(1);
  });

  it("keeps a line within the server's max_payload: a truncatable field is cut to fit, anything else refused", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter({ ...options, timeoutMs: 2_000 });
    // Lines under the log's 1 MiB limit whose message, headers included, is over the server's.
    const sized = <T extends Record<string, unknown>>(event: (blob: string) => T) => {
      const overhead = JSON.stringify({
        ...event(""),
        event_id: "x".repeat(26),
        timestamp_ms: 1e12,
        schema_version: 1,
        seq: 1,
      }).length;
      return event("x".repeat(1024 * 1024 - 60 - overhead));
    };
    const phase = sized((blob) => ({
      event_type: "phase.completed",
      run_id: "big",
      phase: "p",
      duration_ms: 1,
      output_summary: { blob },
    }));
    const trial = sized((blob) => ({
      event_type: "trial.recorded",
      run_id: "big",
      trial_id: "t",
      params: { blob },
      metrics: {},
    }));
    await writer.append(phase);
    await expect(writer.append(trial)).rejects.toMatchObject({ code: "LEDGER_LINE_TOO_LARGE" });
    await writer.close();
    const [stored] = await storedMessages(options.stream);
    expect(stored!.json<{ output_summary: unknown }>().output_summary).toMatchObject({ _truncated: true });
  });

  it("stores an event once when its ack times out and it is sent again with the same message id", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter({ ...options, ackTimeoutMs: 50, timeoutMs: 10_000 });
    // A paused server reads nothing: every ack times out and the writer sends the event again.
    await server.pause();
    const appended = writer.append(trial("dup", 1));
    await new Promise((r) => setTimeout(r, 400));
    server.resume();
    const { event, ack } = await appended;
    const health = writer.health();
    await writer.close();
    expect(health.retries).toBeGreaterThanOrEqual(3);
    expect(ack?.seq).toBe(1);
    const stored = await storedMessages(options.stream);
    expect(stored.map((m) => m.header.get("Nats-Msg-Id"))).toEqual([event.event_id]);
  });

  it("acknowledges a resent event that the stream already holds as a duplicate", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter(options);
    const { event } = await writer.append(trial("again", 1));
    const again = await writer.append(event);
    await writer.close();
    expect(again.ack).toMatchObject({ seq: 1, duplicate: true });
    expect(writer.health()).toMatchObject({ appended: 2, duplicates: 1 });
    expect(await storedMessages(options.stream)).toHaveLength(1);
  });

  it("keeps at most maxInFlight events unacknowledged; the rest wait for a slot", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter({ ...options, maxInFlight: 4 });
    await server.pause();
    const pending = Array.from({ length: 20 }, (_, i) => writer.append(trial("window", i)));
    await new Promise((r) => setTimeout(r, 50));
    const during = writer.health();
    server.resume();
    const acks = await Promise.all(pending);
    await writer.close();
    expect(during).toMatchObject({ inFlight: 4, waiting: 16 });
    expect(acks.map((a) => a.ack?.seq).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it("rejects with LEDGER_TRANSPORT_UNAVAILABLE within its timeout when the server is down; emitters in non-throwing mode do not throw", async () => {
    const options = await freshStream();
    const writer = await openJetStreamWriter({ ...options, timeoutMs: 1_000, ackTimeoutMs: 200 });
    await writer.append(trial("down", 0));
    await server.stop();
    try {
      const started = Date.now();
      const error = await writer.append(trial("down", 1)).catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(error).toMatchObject({ code: "LEDGER_TRANSPORT_UNAVAILABLE" });
      expect(waited).toBeGreaterThanOrEqual(1_000);
      expect(waited).toBeLessThan(1_500);

      const failures: unknown[] = [];
      const emitter = createEmitter(writer, { throwOnError: false, onError: (e) => failures.push(e) });
      await expect(emitter.emitRunStarted("down")).resolves.toBeUndefined();
      expect(failures).toHaveLength(1);
      expect(writer.health()).toMatchObject({
        degraded: true,
        emitFailures: 1,
        failedAppends: 2,
        connected: false,
        inFlight: 0,
      });
    } finally {
      await server.start();
    }
    // Once the server is back the same writer appends again.
    await expect(writer.append(trial("down", 2))).resolves.toMatchObject({ ack: { stream: options.stream } });
    await writer.close();
  });

  it("refuses to open on a missing stream, and on an unreachable server within its timeout", async () => {
    await expect(openJetStreamWriter({ servers: server.url, stream: "NOPE" })).rejects.toMatchObject({
      code: "LEDGER_STREAM_MISSING",
    });
    const started = Date.now();
    await expect(
      openJetStreamWriter({ servers: "nats://127.0.0.1:1", timeoutMs: 600 }),
    ).rejects.toMatchObject({
      code: "LEDGER_TRANSPORT_UNAVAILABLE",
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("serves createRunDirectory: the artifact is written locally and its event goes to the stream", async () => {
    const options = await freshStream();
    const root = mkdtempSync(join(tmpdir(), "ledger-js-"));
    try {
      const writer = await openJetStreamWriter({ ...options, root });
      const dir = await createRunDirectory(writer, "run-a");
      const appended = await dir.writeJson("summary.json", { pnl: 1 });
      await writer.close();
      expect(JSON.parse(readFileSync(join(dir.path, "summary.json"), "utf8"))).toEqual({ pnl: 1 });
      const [stored] = await storedMessages(options.stream);
      expect(stored!.json()).toEqual(appended.event);
      expect(appended.event).toMatchObject({ event_type: "artifact.created", path: "summary.json" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
