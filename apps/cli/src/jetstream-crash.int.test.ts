import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  consumerInfo,
  findNatsServer,
  type NatsServer,
  startNatsServer,
} from "@ledger/jetstream/test-support";
import { readLog } from "@ledger/writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ledger, tempRoot } from "./test-support/cli.js";

const PRODUCERS = 3;
const PER_PRODUCER = 1_500;
/** At least this many sink crashes; more while the producers are still appending. */
const KILLS = Number(process.env.LEDGER_JETSTREAM_KILLS ?? 20);

const cliDir = fileURLToPath(new URL("..", import.meta.url));
const children = new Set<ChildProcess>();
let server: NatsServer;

function start(args: string[]): {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
} {
  const child = spawn(process.execPath, args, { cwd: cliDir, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  let stdout = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => {
    stdout += t;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, exited, stdout: () => stdout };
}

/** A producer process: appends over JetStream and prints each id JetStream acknowledged. */
function producer(runId: string) {
  const script = fileURLToPath(new URL("./test-support/jetstream-publisher-child.ts", import.meta.url));
  const args = [server.url, "LEDGER", runId, String(PER_PRODUCER), "4", "20"];
  return start(["--conditions=@ledger/source", "--import", "tsx", script, ...args]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(25);
  }
}

function query(root: string, sql: string): Record<string, unknown>[] {
  const r = ledger(["query", "--json", "--root", root, sql]);
  expect(r.stderr).toBe("");
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe.skipIf(!findNatsServer())(
  "JetStream crash: the sink SIGKILLed at random while producers append",
  () => {
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL");
      await server?.destroy();
    });

    it("every append that resolved is in the log, and each event_id is indexed once", async () => {
      const root = tempRoot();
      expect(ledger(["jetstream", "init", "--nats", server.url]).code).toBe(0);
      const producers = Array.from({ length: PRODUCERS }, (_, i) => producer(`crash-${i}`));
      let producing = true;
      void Promise.all(producers.map((p) => p.exited)).then(() => {
        producing = false;
      });
      const sinkArgs = [BIN, "sink", "--nats", server.url, "--root", root, "--ack-wait", "1"];

      let kills = 0;
      while (kills < KILLS || producing) {
        const sink = start(sinkArgs);
        // Killed at random: before it has started, while it lands, between a write and its ack.
        if (Math.random() < 0.8) await until(() => /landing stream/.test(sink.stdout()), 15_000);
        await sleep(Math.random() * 600);
        sink.child.kill("SIGKILL");
        await sink.exited;
        kills++;
        // The index is brought up to date now and then in between, as the daemon would.
        if (kills % 7 === 0) expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);
      }
      expect(await Promise.all(producers.map((p) => p.exited))).toEqual(Array(PRODUCERS).fill(0));

      const last = start(sinkArgs);
      await until(() => /landing stream/.test(last.stdout()), 15_000);
      await until(async () => {
        const info = await consumerInfo(server.url, "LEDGER", "ledger-sink");
        return info.num_pending === 0 && info.num_ack_pending === 0;
      }, 60_000);
      last.child.kill("SIGTERM");
      expect(await last.exited).toBe(0);

      const acked = producers.flatMap((p) => p.stdout().trim().split("\n").filter(Boolean));
      expect(acked).toHaveLength(PRODUCERS * PER_PRODUCER);
      const logged: string[] = [];
      for await (const record of readLog({ root })) logged.push(record.event.event_id);
      const inLog = new Set(logged);
      expect(acked.filter((id) => !inLog.has(id))).toEqual([]);
      expect(inLog.size).toBe(acked.length);

      expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);
      const twice = "SELECT event_id FROM event_pointers GROUP BY event_id HAVING count(*) > 1";
      const counts =
        "SELECT count(*)::INTEGER AS n, count(DISTINCT event_id)::INTEGER AS ids FROM trial_results";
      expect(query(root, twice)).toEqual([]);
      const incremental = query(root, counts);
      expect(incremental).toEqual([{ n: acked.length, ids: acked.length }]);
      const runs = ledger(["runs", "--json", "--root", root]).stdout;

      expect(ledger(["rebuild-index", "--full-rebuild", "--root", root]).code).toBe(0);
      expect(query(root, counts)).toEqual(incremental);
      expect(ledger(["runs", "--json", "--root", root]).stdout).toBe(runs);
      process.stdout.write(
        `jetstream crash: ${kills} sink kills, ${acked.length} acknowledged, lost 0, ${logged.length - inLog.size} duplicate lines in the log, indexed twice 0\n`,
      );
    }, 300_000);
  },
);
