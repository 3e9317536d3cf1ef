import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { indexLag, openIndexReader } from "@ledger/indexer";
import { readLog } from "@ledger/writer";
import { child, type Outcome, peakRssMB, type Scale, serveLedger, sleep, tempDir } from "../harness.js";

const WRITER = "packages/writer/src/test-support/append-child.ts";
const DAEMON = "packages/indexer/src/test-support/daemon-child.ts";

/** The writer at full speed (256 appenders, fsync) with the daemon and an SSE client attached. */
/** Bytes and lines of the log the published index does not hold yet. */
async function publishedLag(root: string): Promise<{ bytes: number; events: number }> {
  const reader = openIndexReader({ root });
  return indexLag(reader, root).finally(() => reader.close());
}

export async function loadScenario(scale: Scale): Promise<Outcome> {
  const dir = tempDir("load");
  const root = dir.path;
  try {
    // `ledger serve` refuses a root with no log, and it starts before the writer's first append.
    mkdirSync(join(root, "events"), { mode: 0o700 });
    const daemon = child(DAEMON, [root]);
    const server = serveLedger(root);
    const writer = child(WRITER, [root, "load-run", "0", "256", "fsync"]);
    const base = await server.base;
    const sse = new AbortController();
    let sseEvents = 0;
    const client = (async () => {
      try {
        const r = await fetch(`${base}/runs/load-run/events?stream=true`, {
          signal: sse.signal,
        });
        const reader = r.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          sseEvents += (
            Buffer.from(value!)
              .toString("utf8")
              .match(/\ndata: /g) ?? []
          ).length;
        }
      } catch {
        // aborted at the end
      }
    })();
    await sleep(scale.loadSeconds * 1000);
    const peaks = {
      writer: peakRssMB(writer.proc.pid),
      daemon: peakRssMB(daemon.proc.pid),
      server: peakRssMB(server.proc.pid),
    };
    writer.proc.kill("SIGTERM");
    await writer.exited;
    const stoppedAt = Date.now();
    const lagAtStop = await publishedLag(root);
    // Give the daemon up to two minutes to catch up; the lag is a figure, not a pass/fail.
    let caughtUpMs = Number.NaN;
    let lagAtEnd = lagAtStop;
    for (let i = 0; i < 240; i++) {
      lagAtEnd = await publishedLag(root);
      if (lagAtEnd.bytes === 0) {
        caughtUpMs = Date.now() - stoppedAt;
        break;
      }
      await sleep(500);
    }
    sse.abort();
    await client;
    server.proc.kill("SIGTERM");
    daemon.proc.kill("SIGTERM");
    await daemon.exited;
    // One writer process acknowledges in id order (monotonic ULIDs) and its lines land in the
    // log in that order, so one pass with two cursors checks every acknowledged id without
    // holding tens of millions of ids in a Set.
    const acked = writer.lines;
    let found = 0;
    for await (const { event } of readLog({ root })) {
      if (found < acked.length && event.event_id === acked[found]) found++;
    }
    const lost = acked.length - found;
    const rate = acked.length / scale.loadSeconds;
    const ok = lost === 0;
    const caughtUp = Number.isFinite(caughtUpMs)
      ? `caught up ${Math.round(caughtUpMs)} ms after the writer stopped`
      : `still ${lagAtEnd.events} events (${(lagAtEnd.bytes / 1e6).toFixed(0)} MB) behind 2 min after the writer stopped`;
    return {
      scenario: "load",
      ok,
      line: `${scale.loadSeconds} s at full speed: ${acked.length} events acknowledged (${Math.round(rate)}/s), lost ${lost}, SSE client got ${sseEvents}, daemon lag when the writer stopped ${lagAtStop.events} events, ${caughtUp}, peak memory writer ${peaks.writer.toFixed(0)} MB / daemon ${peaks.daemon.toFixed(0)} MB / server ${peaks.server.toFixed(0)} MB`,
      figures: {
        seconds: scale.loadSeconds,
        acknowledged: acked.length,
        lost,
        sseEvents,
        caughtUpMs,
        ...peaks,
      },
    };
  } finally {
    dir.rm();
  }
}
