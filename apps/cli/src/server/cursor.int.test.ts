import { type ChildProcess, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { readLog } from "@ledger/writer";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, tempRoot } from "../test-support/cli.js";
import { createLedgerServer } from "./server.js";

const RUN = "grid-1";
const cliDir = fileURLToPath(new URL("../..", import.meta.url));
const children = new Set<ChildProcess>();
const servers: { close(): void }[] = [];
afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const s of servers.splice(0)) s.close();
});

function run(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, args, { cwd: cliDir, stdio: ["ignore", "ignore", "inherit"] });
  children.add(child);
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

/** Long-lived writers and one `ledger emit` process per event, all appending to one run at once. */
async function produce(root: string, writers: number, emits: number): Promise<void> {
  const script = fileURLToPath(new URL("../test-support/run-writer-child.ts", import.meta.url));
  const jobs = Array.from({ length: writers }, (_, w) =>
    run(["--conditions=@ledger/source", "--import", "tsx", script, root, RUN, `w${w}`, "30"]),
  );
  const oneShots = (async () => {
    for (let i = 0; i < emits; i++) {
      const event = {
        event_type: "trial.recorded",
        run_id: RUN,
        trial_id: `emit-${i}`,
        params: {},
        metrics: {},
      };
      expect(await run([BIN, "emit", "--root", root, "--json", JSON.stringify(event)])).toBe(0);
    }
  })();
  const codes = await Promise.all([...jobs, oneShots]);
  expect(codes.slice(0, writers)).toEqual(Array(writers).fill(0));
}

interface Taken {
  ids: string[];
  last: string | undefined;
  caughtUp: boolean;
}

/**
 * One connection, as a browser's EventSource makes it: resumes from `last`, takes `count` events
 * (a frame only counts once it is whole; its id becomes the last one seen) and drops the
 * connection, or, with `untilCaughtUp`, reads until the replay is over.
 */
async function connect(
  url: string,
  last: string | undefined,
  how: { count: number; viaQuery: boolean; untilCaughtUp?: boolean },
): Promise<Taken> {
  const controller = new AbortController();
  const target = last && how.viaQuery ? `${url}&cursor=${encodeURIComponent(last)}` : url;
  const headers: Record<string, string> = last && !how.viaQuery ? { "last-event-id": last } : {};
  const response = await fetch(target, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const taken: Taken = { ids: [], last, caughtUp: false };
  const done = () => (how.untilCaughtUp ? taken.caughtUp : taken.ids.length >= how.count);
  const idle = setTimeout(() => controller.abort(), how.untilCaughtUp ? 20_000 : 1_500);
  let buffer = "";
  try {
    while (!done()) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0 && !done(); end = buffer.indexOf("\n\n")) {
        const lines = buffer.slice(0, end).split("\n");
        buffer = buffer.slice(end + 2);
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        if (field("event") === "caught-up") taken.caughtUp = true;
        const data = field("data");
        if (!data || field("event")) continue;
        taken.ids.push((JSON.parse(data) as { event_id: string }).event_id);
        taken.last = field("id") ?? taken.last;
      }
    }
  } catch (error) {
    if ((error as Error).name !== "AbortError") throw error;
  } finally {
    clearTimeout(idle);
    controller.abort();
  }
  return taken;
}

describe("the SSE cursor", () => {
  it("delivers every event of a run written by many processes exactly once across reconnects", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ count: fc.nat({ max: 14 }), viaQuery: fc.boolean() }), {
          minLength: 2,
          maxLength: 10,
        }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 5 }),
        async (schedule, writers, emits) => {
          const root = tempRoot();
          const server = createLedgerServer({ root, heartbeatMs: 500 });
          servers.push({ close: () => server.close() });
          await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
          const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runs/${RUN}/events?stream=true`;

          let producing = true;
          const producers = produce(root, writers, emits).finally(() => {
            producing = false;
          });
          const seen: string[] = [];
          let last: string | undefined;
          // Connections keep dropping while the processes write, then once more after they stop.
          for (let i = 0; producing || i < schedule.length; i++) {
            const step = schedule[i % schedule.length]!;
            const taken = await connect(url, last, step);
            seen.push(...taken.ids);
            last = taken.last;
          }
          await producers;
          const final = await connect(url, last, { count: 0, viaQuery: false, untilCaughtUp: true });
          expect(final.caughtUp).toBe(true);
          seen.push(...final.ids);

          const written: string[] = [];
          for await (const { event } of readLog({ root, runId: RUN })) written.push(event.event_id);
          expect(written).toHaveLength(writers * 30 + emits);
          expect(seen.length - new Set(seen).size).toBe(0); // none twice
          expect([...seen].sort()).toEqual([...written].sort()); // none skipped
        },
      ),
      { numRuns: 4 },
    );
  }, 180_000);
});
