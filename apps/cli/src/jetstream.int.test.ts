import { existsSync } from "node:fs";
import { openJetStreamWriter } from "@ledger/jetstream";
import {
  findNatsServer,
  type NatsServer,
  startNatsServer,
  storedMessages,
} from "@ledger/jetstream/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledger, ledgerLive, tempRoot } from "./test-support/cli.js";

let server: NatsServer;

/** Polls `ledger events --json` until the log holds `count` events. */
async function waitForEvents(
  root: string,
  count: number,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = ledger(["events", "--json", "--root", root]);
    const events =
      r.code === 0
        ? r.stdout
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`the log holds ${events.length} events, not ${count}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!findNatsServer())("ledger over JetStream (real nats-server)", () => {
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it("jetstream init is idempotent, and refuses three replicas on a single server", () => {
    const init = (...flags: string[]) =>
      ledger([
        "jetstream",
        "init",
        "--nats",
        server.url,
        "--stream",
        "INIT",
        "--subject-prefix",
        "init",
        ...flags,
      ]);
    const created = init("--json");
    expect(created.stderr).toBe("");
    expect(JSON.parse(created.stdout)).toMatchObject({
      stream: "INIT",
      action: "created",
      replicas: 1,
      duplicateWindowMs: 120_000,
    });
    expect(init().stdout).toMatch(
      /^stream INIT unchanged on nats:\/\/127\.0\.0\.1:\d+: subjects init\.>, 1 replica, duplicate window 120 s\n$/,
    );
    const three = init("--replicas", "3");
    expect(three.code).toBe(1);
    expect(three.stderr).toMatch(/^ledger: .*need a cluster.*\[LEDGER_JETSTREAM_REFUSED\]\n$/);
    expect(init("--replicas", "2").code).toBe(2);
  });

  it("emit --nats -> sink -> log -> rebuild-index -> runs shows the run; a resent event id is stored and indexed once", async () => {
    const url = server.url;
    expect(ledger(["jetstream", "init", "--nats", url]).code).toBe(0);
    const root = tempRoot();
    const flags = ledger([
      "emit",
      "--nats",
      url,
      "--event-type",
      "run.created",
      "--run-id",
      "js-1",
      "--run-type",
      "baseline",
      "--config",
      "{}",
      "--data-fingerprint",
      "fp",
    ]);
    expect(flags.stderr).toBe("");
    expect(flags.stdout).toMatch(/^[0-9A-Z]{26}\n$/);
    const batch = [
      { event_type: "run.started", run_id: "js-1" },
      { event_type: "trial.recorded", run_id: "js-1", trial_id: "t1", params: {}, metrics: { sharpe: 1.5 } },
    ];
    const stdin = ledger(["emit", "--nats", url], { input: batch.map((e) => JSON.stringify(e)).join("\n") });
    expect(stdin.stdout.trim().split("\n")).toHaveLength(2);
    const completed = {
      event_type: "run.completed",
      run_id: "js-1",
      status: "succeeded",
      summary: {},
      artifact_paths: [],
      event_id: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
      timestamp_ms: Date.now(),
      schema_version: 1,
      seq: 4,
    };
    // The same event twice, as a producer's retry after a lost ack sends it.
    for (let i = 0; i < 2; i++)
      expect(ledger(["emit", "--nats", url, "--json", JSON.stringify(completed)]).stdout).toBe(
        `${completed.event_id}\n`,
      );
    expect(await storedMessages(url, "LEDGER")).toHaveLength(4);

    const sink = ledgerLive(["sink", "--nats", url, "--root", root]);
    await sink.waitFor(/landing stream LEDGER \(consumer ledger-sink\)/);
    const landed = await waitForEvents(root, 4);
    expect(landed.map((e) => e.event_type)).toEqual([
      "run.created",
      "run.started",
      "trial.recorded",
      "run.completed",
    ]);
    const second = ledger(["sink", "--nats", url, "--root", root]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`another sink \\(pid ${sink.child.pid} on .*\\[LEDGER_SINK_LOCKED\\]`),
    );
    const exited = new Promise<number | null>((resolve) => sink.child.once("exit", resolve));
    sink.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(sink.output()).toMatch(/stopped: 4 landed, 0 redelivered, 0 rejected, 0 write failures\n$/);

    expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);
    const runs = ledger(["runs", "--json", "--root", root]);
    expect(
      runs.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toMatchObject([{ run_id: "js-1", status: "succeeded" }]);
    const twice = ledger([
      "query",
      "--json",
      "--root",
      root,
      "SELECT event_id FROM event_pointers GROUP BY event_id HAVING count(*) > 1",
    ]);
    expect(twice.stdout).toBe("");
  });

  it("emit --nats with bad input sends nothing and prints one line", () => {
    const stream = ["--nats", server.url, "--stream", "BAD", "--subject-prefix", "bad"];
    expect(ledger(["jetstream", "init", ...stream]).code).toBe(0);
    const root = tempRoot();
    const bad = [
      ["--event-type", "run.created", "--run-id", "r"],
      ["--json", "{nope"],
      ["--event-type", "run.started", "--run-id", "../x"],
    ];
    for (const flags of bad) {
      const r = ledger(["emit", ...stream, ...flags, "--root", root]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")).toHaveLength(2);
    }
    const batch = `${JSON.stringify({ event_type: "run.started", run_id: "r" })}\n{"event_type":"phase.started","run_id":"r"}\n`;
    const r = ledger(["emit", ...stream, "--root", root], { input: batch });
    expect(r.stderr).toMatch(/^ledger: line 2: .*\[LEDGER_SCHEMA_INVALID\]\n$/);
    expect(existsSync(`${root}/events`)).toBe(false);
    return expect(storedMessages(server.url, "BAD")).resolves.toHaveLength(0);
  });

  it("emit --nats names the next step when the stream does not exist", () => {
    const r = ledger([
      "emit",
      "--nats",
      server.url,
      "--stream",
      "MISSING",
      "--event-type",
      "run.started",
      "--run-id",
      "r",
    ]);
    expect(r.stderr).toMatch(
      /^ledger: JetStream stream MISSING does not exist on .*: create it with `ledger jetstream init --nats URL` \[LEDGER_STREAM_MISSING\]\n$/,
    );
  });

  it("emit --nats --timeout gives up on a stopped or frozen server within its timeout, with one line", async () => {
    const gone = await startNatsServer();
    const emit = (url: string) => {
      const started = Date.now();
      const r = ledger(
        ["emit", "--nats", url, "--timeout", "1500", "--event-type", "run.started", "--run-id", "r"],
        { timeoutMs: 60_000 },
      );
      return { ...r, ms: Date.now() - started };
    };
    try {
      await gone.pause();
      const frozen = emit(gone.url);
      gone.resume();
      await gone.stop();
      const stopped = emit(gone.url);
      for (const r of [frozen, stopped]) {
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(
          /^ledger: no NATS server reachable at nats:\/\/127\.0\.0\.1:\d+ within 1500 ms .*\[LEDGER_TRANSPORT_UNAVAILABLE\]\n$/,
        );
        // It kept trying for the whole timeout, and stopped soon after (CLI start-up included).
        expect(r.ms).toBeGreaterThanOrEqual(1_400);
        expect(r.ms).toBeLessThan(15_000);
      }
    } finally {
      gone.resume();
      await gone.destroy();
    }
    const local = ledger(["emit", "--timeout", "1500", "--event-type", "run.started", "--run-id", "r"]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--timeout applies only with --nats/);
  });

  it("events --follow --nats tails the stream live, filtered to one run", async () => {
    const stream = ["--nats", server.url, "--stream", "FOLLOW", "--subject-prefix", "follow"];
    expect(ledger(["jetstream", "init", ...stream]).code).toBe(0);
    expect(ledger(["events", ...stream]).code).toBe(2);
    const follower = ledgerLive(["events", "--follow", ...stream, "--run", "tail-1", "--json"]);
    const writer = await openJetStreamWriter({
      servers: server.url,
      stream: "FOLLOW",
      subjectPrefix: "follow",
    });
    const trial = (runId: string, i: number) => ({
      event_type: "trial.recorded",
      run_id: runId,
      trial_id: `t${i}`,
      params: {},
      metrics: {},
    });
    // It sees only what is published once it has subscribed: publish until the first one shows.
    for (let i = 0; !follower.output().includes("trial_id"); i++) {
      await writer.appendMany([trial("other", i), trial("tail-1", i)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    await writer.append({ event_type: "run.started", run_id: "other" });
    const { event } = await writer.append({ event_type: "run.started", run_id: "tail-1" });
    await follower.waitFor(/"run\.started"/);
    await writer.close();
    const seen = follower
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(new Set(seen.map((e) => e.run_id))).toEqual(new Set(["tail-1"]));
    expect(seen.at(-1)).toEqual(event);
    expect(new Set(seen.map((e) => e.event_id)).size).toBe(seen.length);
    const exited = new Promise<number | null>((resolve) => follower.child.once("exit", resolve));
    follower.child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
