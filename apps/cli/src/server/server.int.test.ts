import type { AddressInfo } from "node:net";
import { openIndexer } from "@ledger/indexer";
import { openWriter } from "@ledger/writer";
import { afterEach, describe, expect, it } from "vitest";
import { tempRoot } from "../test-support/cli.js";
import { createLedgerServer } from "./server.js";

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function start(root: string, token?: string): Promise<string> {
  const server = createLedgerServer({ root, ...(token ? { token } : {}), heartbeatMs: 200 });
  servers.push({ close: () => server.close() });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function seed(root: string, runId: string, trials: number): Promise<void> {
  const writer = await openWriter({ root });
  await writer.append({
    event_type: "run.created",
    run_id: runId,
    run_type: "optimize",
    config: {},
    data_fingerprint: "fp",
  });
  await writer.append({ event_type: "run.started", run_id: runId });
  for (let i = 0; i < trials; i++) {
    await writer.append({
      event_type: "trial.recorded",
      run_id: runId,
      trial_id: `t${i}`,
      params: {},
      metrics: { sharpe: i },
    });
  }
  await writer.close();
  const indexer = await openIndexer({ root });
  await indexer.update();
  await indexer.close();
}

/** Reads an SSE response until `until` says stop; returns the frames as { event, id, data }. */
async function sse(url: string, headers: Record<string, string>, until: (frames: Frame[]) => boolean) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const frames: Frame[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!until(frames)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const lines = buffer.slice(0, end).split("\n");
      buffer = buffer.slice(end + 2);
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      frames.push({
        event: field("event"),
        id: field("id"),
        data: field("data"),
        comment: lines[0]?.startsWith(":") ?? false,
      });
    }
  }
  controller.abort();
  return { status: response.status, frames };
}
interface Frame {
  event: string | undefined;
  id: string | undefined;
  data: string | undefined;
  comment: boolean;
}
const events = (frames: Frame[]) => frames.filter((f) => f.data && !f.event).map((f) => JSON.parse(f.data!));

describe("ledger serve", () => {
  it("serves runs and a run from the index, with filters bound as parameters", async () => {
    const root = tempRoot();
    await seed(root, "run-a", 3);
    const base = await start(root);
    const list = (await (await fetch(`${base}/runs?status=running`)).json()) as {
      runs: { run_id: string }[];
    };
    expect(list.runs.map((r: { run_id: string }) => r.run_id)).toEqual(["run-a"]);
    const detail = (await (await fetch(`${base}/runs/run-a`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ run: { run_id: "run-a", status: "running" }, trials: 3 });
    expect((await fetch(`${base}/runs/nope`)).status).toBe(404);
    expect((await fetch(`${base}/runs/..%2F..%2Fetc`)).status).toBe(400);
    for (const injection of ["x' OR '1'='1", "'; DROP TABLE runs_d; --"]) {
      const r = await fetch(`${base}/runs?type=${encodeURIComponent(injection)}`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { runs: unknown[] }).runs).toEqual([]);
    }
    expect((await fetch(`${base}/runs?status=${encodeURIComponent("x' OR 1=1 --")}`)).status).toBe(400);
    expect((await fetch(`${base}/runs?limit=1;DELETE`)).status).toBe(400);
    expect(((await (await fetch(`${base}/runs`)).json()) as { runs: unknown[] }).runs).toHaveLength(1);
  });

  it("needs the bearer token when one is set", async () => {
    const root = tempRoot();
    await seed(root, "run-a", 1);
    const base = await start(root, "s3cret");
    expect((await fetch(`${base}/runs`)).status).toBe(401);
    expect((await fetch(`${base}/runs`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${base}/runs/run-a/events`, { headers: { authorization: "Bearer " } })).status).toBe(
      401,
    );
    expect((await fetch(`${base}/runs`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(200); // the page holds no data
  });

  it("downloads a run's events as NDJSON", async () => {
    const root = tempRoot();
    await seed(root, "run-a", 5);
    await seed(root, "run-b", 2);
    const base = await start(root);
    const response = await fetch(`${base}/runs/run-a/events`);
    expect(response.headers.get("content-type")).toMatch(/ndjson/);
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(lines.map((e) => e.run_id))).toEqual(new Set(["run-a"]));
  });

  it("streams SSE: replay, a caught-up marker, then live events on one cursor", async () => {
    const root = tempRoot();
    await seed(root, "run-a", 3);
    const base = await start(root);
    const writer = await openWriter({ root });
    let appended = false;
    const { frames } = await sse(`${base}/runs/run-a/events?stream=true&from_sequence=2`, {}, (f) => {
      if (!appended && f.some((x) => x.event === "caught-up")) {
        appended = true;
        void (async () => {
          for (let i = 3; i < 6; i++) {
            await writer.append({
              event_type: "trial.recorded",
              run_id: "run-a",
              trial_id: `t${i}`,
              params: {},
              metrics: {},
            });
          }
        })();
      }
      return events(f).length >= 7;
    });
    await writer.close();
    const seqs = events(frames).map((e) => e.seq);
    // A new writer process starts its own seq at 1 (seq is per run per writer), so the live part
    // is told apart by trial id.
    expect(seqs).toEqual([2, 3, 4, 5, 1, 2, 3]);
    expect(
      events(frames)
        .slice(4)
        .map((e) => e.trial_id),
    ).toEqual(["t3", "t4", "t5"]);
    const marker = frames.findIndex((f) => f.event === "caught-up");
    expect(frames.slice(0, marker).filter((f) => f.data && !f.event)).toHaveLength(4);
    // Each id is the log cursor past its event, not its seq.
    expect(frames.filter((f) => f.id).map((f) => f.id)[0]).toMatch(/^\d{8}-1-[0-9a-z]+$/);
  });

  it("resumes after Last-Event-ID, and sends heartbeats while idle", async () => {
    const root = tempRoot();
    await seed(root, "run-a", 4);
    const base = await start(root);
    const { frames } = await sse(`${base}/runs/run-a/events?stream=true`, { "last-event-id": "4" }, (f) =>
      f.some((x) => x.comment && f.some((y) => y.event === "caught-up")),
    );
    expect(events(frames).map((e) => e.seq)).toEqual([5, 6]);
    expect(frames.some((f) => f.comment)).toBe(true);
    expect((await fetch(`${base}/runs/run-a/events?stream=true&from_sequence=abc`)).status).toBe(400);
  });
});
