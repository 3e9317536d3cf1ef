import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLog } from "@ledger/writer";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJetStreamWriter } from "./jetstream-writer.js";
import { runSink } from "./sink.js";
import { ensureStream } from "./stream.js";
import { findNatsServer, type NatsCluster, startNatsCluster } from "./test-support/nats-server.js";
import { consumerInfo } from "./test-support/streams.js";

let cluster: NatsCluster;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stream's leader and size; retried, since around an election the API may time out. */
async function streamState(servers: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const nc = await connect({ servers });
    try {
      const info = await (await jetstreamManager(nc)).streams.info("LEDGER");
      return { leader: info.cluster?.leader, messages: info.state.messages };
    } catch (error) {
      if (Date.now() > deadline) throw error;
    } finally {
      await nc.close();
    }
    await sleep(200);
  }
}

describe.skipIf(!findNatsServer())("failover on a three-node cluster with replicas=3", () => {
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it("keeps every acknowledged append through the loss of the stream leader, stores none twice, and resumes", async () => {
    const servers = cluster.urls;
    expect(await ensureStream({ servers, replicas: 3 })).toMatchObject({ replicas: 3, action: "created" });
    const root = mkdtempSync(join(tmpdir(), "ledger-failover-"));
    try {
      const sink = await runSink({ servers, root, ackWaitMs: 2_000 });
      const writer = await openJetStreamWriter({ servers, ackTimeoutMs: 500, timeoutMs: 60_000 });
      const acked: string[] = [];
      const ackTimes: number[] = [];
      const failures: string[] = [];
      let running = true;
      const worker = async (w: number) => {
        for (let i = 0; running; i++) {
          try {
            const { event } = await writer.append({
              event_type: "trial.recorded",
              run_id: `failover-${w}`,
              trial_id: `t${i}`,
              params: {},
              metrics: {},
            });
            acked.push(event.event_id);
            ackTimes.push(Date.now());
          } catch (error) {
            failures.push(String(error));
          }
          await sleep(5);
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));

      await sleep(1_500);
      const { leader } = await streamState(servers);
      expect(leader).toMatch(/^ledger-\d$/);
      const killedAt = Date.now();
      await cluster.node(leader!).kill();
      const survivors = servers.filter((url) => url !== cluster.node(leader!).url);
      // Appends must resume on the two that are left, under a new leader.
      await sleep(1_000);
      const ackedBefore = acked.length;
      const deadline = Date.now() + 30_000;
      while (acked.length < ackedBefore + 500 && Date.now() < deadline) await sleep(50);
      running = false;
      await load;
      await writer.close();
      expect(failures).toEqual([]);
      expect(acked.length).toBeGreaterThanOrEqual(ackedBefore + 500);

      const after = ackTimes.filter((t) => t >= killedAt);
      const pauseMs = Math.max(...after.map((t, i) => t - (i === 0 ? killedAt : after[i - 1]!)));
      const newLeader = (await streamState(survivors)).leader;
      expect(newLeader).not.toBe(leader);

      await expect
        .poll(
          async () => {
            const info = await consumerInfo(survivors, "LEDGER", "ledger-sink");
            return info.num_pending + info.num_ack_pending;
          },
          { timeout: 60_000, interval: 200 },
        )
        .toBe(0);
      const health = sink.health();
      await sink.stop();

      const logged = new Set<string>();
      for await (const record of readLog({ root })) logged.add(record.event.event_id);
      expect(acked.filter((id) => !logged.has(id))).toEqual([]);
      // Each append's message is stored once: a resend after the failover was dropped as a duplicate.
      expect((await streamState(survivors)).messages).toBe(acked.length);
      process.stdout.write(
        `jetstream failover: leader ${leader} killed, new leader ${newLeader}, appends paused ${pauseMs} ms, ${acked.length} acknowledged, lost 0, stored twice 0, sink redeliveries ${health.redeliveries}\n`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});
