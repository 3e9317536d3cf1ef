import { spawn } from "node:child_process";
import { join } from "node:path";
import { openIndexer, openIndexReader } from "@ledger/indexer";
import { indexDigest } from "@ledger/indexer/test-support";
import { consumerInfo, findNatsServer, startNatsServer } from "@ledger/jetstream/test-support";
import { readLog } from "@ledger/writer";
import { child, type Outcome, repoRoot, type Scale, sleep, tempDir } from "../harness.js";

const PRODUCER = "apps/cli/src/test-support/jetstream-publisher-child.ts";
const DAEMON = "packages/indexer/src/test-support/daemon-child.ts";
const BIN = join(repoRoot, "apps/cli/dist/bin.js");

/**
 * Hosts appending over JetStream while the one sink that lands the stream is SIGKILLed at random
 * (20 times, 200 in the soak): four producer processes on a real nats-server, `ledger sink` from
 * the build, and the index daemon running throughout. Every append JetStream acknowledged must be
 * in the log, no event_id indexed twice, and the index must equal a full rebuild.
 */
export async function jetstreamScenario(scale: Scale): Promise<Outcome> {
  const kills = scale.soak ? 200 : 20;
  if (!findNatsServer()) {
    return { scenario: "jetstream", ok: false, line: "nats-server is not installed", figures: {} };
  }
  const server = await startNatsServer();
  const dir = tempDir("jetstream");
  const root = dir.path;
  try {
    const init = spawn(process.execPath, [BIN, "jetstream", "init", "--nats", server.url], {
      stdio: "ignore",
    });
    if ((await new Promise((r) => init.on("exit", r))) !== 0) throw new Error("ledger jetstream init failed");
    const daemon = child(DAEMON, [root]);
    const producers = [0, 1, 2, 3].map((n) =>
      child(PRODUCER, [server.url, "LEDGER", `js-run-${n}`, "0", "2", "20"]),
    );
    const sink = () => startSink(server.url, root);
    let sinkKills = 0;
    while (sinkKills < kills) {
      const s = sink();
      if (Math.random() < 0.8) {
        const started = Date.now();
        while (!/landing stream/.test(s.stdout()) && Date.now() - started < 15_000) await sleep(10);
      }
      await sleep(Math.random() * 600);
      s.proc.kill("SIGKILL");
      await s.exited;
      sinkKills++;
    }
    for (const p of producers) p.proc.kill("SIGTERM");
    const producerCodes = await Promise.all(producers.map((p) => p.exited));
    const acked = new Set(producers.flatMap((p) => p.lines));

    const last = sink();
    const started = Date.now();
    for (;;) {
      const info = await consumerInfo(server.url, "LEDGER", "ledger-sink").catch(() => undefined);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0) break;
      if (Date.now() - started > 120_000) throw new Error("the sink did not catch up within 2 minutes");
      await sleep(100);
    }
    last.proc.kill("SIGTERM");
    const sinkCode = await last.exited;
    daemon.proc.kill("SIGTERM");
    await daemon.exited;

    let lines = 0;
    const logged = new Set<string>();
    for await (const { event } of readLog({ root })) {
      lines++;
      logged.add(event.event_id);
    }
    const lost = [...acked].filter((id) => !logged.has(id)).length;
    const indexer = await openIndexer({ root, waitForLockMs: 30_000 });
    const reader = openIndexReader({ root });
    await indexer.update();
    const twice = await reader.query(
      "SELECT count(*)::INTEGER AS n FROM (SELECT event_id FROM event_pointers GROUP BY event_id HAVING count(*) > 1)",
    );
    const indexedTwice = Number(twice[0]?.n ?? -1);
    const incremental = await indexDigest(reader);
    await indexer.rebuild();
    const rebuilt = await indexDigest(reader);
    reader.close();
    await indexer.close();
    const same = Object.keys(incremental).every((table) => incremental[table] === rebuilt[table]);
    const ok =
      lost === 0 && indexedTwice === 0 && same && sinkCode === 0 && producerCodes.every((c) => c === 0);
    return {
      scenario: "jetstream",
      ok,
      line: `${sinkKills} sink kills, 4 producers: acknowledged ${acked.size}, lost ${lost}, duplicate lines landed ${lines - logged.size}, event_ids indexed twice ${indexedTwice}, index == full rebuild: ${same}`,
      figures: {
        kills: sinkKills,
        acknowledged: acked.size,
        lost,
        duplicateLines: lines - logged.size,
        indexedTwice,
        indexEqualsRebuild: same,
      },
    };
  } finally {
    await server.destroy();
    dir.rm();
  }
}

/** `ledger sink` from the build, with a short ack wait so a killed sink's messages come back soon. */
function startSink(url: string, root: string) {
  const proc = spawn(process.execPath, [BIN, "sink", "--nats", url, "--root", root, "--ack-wait", "1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  proc.stdout!.setEncoding("utf8").on("data", (t: string) => {
    stdout += t;
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, exited, stdout: () => stdout };
}
