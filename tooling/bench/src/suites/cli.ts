import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWriter } from "@ledger/writer";
import { ledgerBin as bin, startServe } from "../harness/serve.js";
import { median, percentile } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

function startupMs(args: string[], times: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

/** Time from `append()` (fsync mode) to the event arriving at an SSE client of `ledger serve`. */
async function sseLatency(events: number): Promise<number[]> {
  const root = mkdtempSync(join(tmpdir(), "ledger-bench-sse-"));
  const writer = await openWriter({ root });
  await writer.append({ event_type: "run.started", run_id: "sse-run" });
  const { process: server, port } = await startServe(["--root", root]);
  try {
    // A plain node:http client, as an SSE library would use: fetch's web streams add their own
    // milliseconds of tail to every chunk, which is the client's cost and not the server's.
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`http://127.0.0.1:${port}/runs/sse-run/events?stream=true`, resolve).on("error", reject),
    );
    response.setEncoding("utf8");
    let buffer = "";
    let wake: (() => void) | undefined;
    let ended = false;
    response.on("data", (text: string) => {
      buffer += text;
      wake?.();
    });
    response.on("end", () => {
      ended = true;
      wake?.();
    });
    const waitFor = async (needle: string) => {
      while (!buffer.includes(needle)) {
        if (ended) throw new Error("stream ended");
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      buffer = buffer.slice(buffer.indexOf(needle) + needle.length);
    };
    await waitFor("event: caught-up");
    const samples: number[] = [];
    for (let i = 0; i < events; i++) {
      const started = performance.now();
      const { event } = await writer.append({
        event_type: "phase.started",
        run_id: "sse-run",
        phase: `p${i}`,
        phase_order: i,
      });
      await waitFor(event.event_id);
      samples.push(performance.now() - started);
    }
    response.destroy();
    return samples.sort((a, b) => a - b);
  } finally {
    server.kill("SIGTERM");
    await writer.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export async function cliSuite(runs: number): Promise<void> {
  const times = Math.max(10, runs * 4);
  const help = startupMs([bin, "--help"], times);
  const bare = startupMs(["-e", "0"], times);
  const startup: Row[] = [
    {
      name: "ledger --help",
      rate: 1000 / median(help),
      p50: median(help),
      p99: percentile(help, 0.99),
      note: "target p50 < 150 ms",
    },
    {
      name: "node -e 0 (bare Node start)",
      rate: 1000 / median(bare),
      p50: median(bare),
      p99: percentile(bare, 0.99),
    },
  ];
  printTable("CLI start-up", "starts/s", startup, startup[0]!.name);
  // Each run is a fresh server and 500 events; the table gives the median run's p50 and p99.
  const sseRuns: number[][] = [];
  for (let r = 0; r < Math.max(3, runs); r++) sseRuns.push(await sseLatency(500));
  const p50s = sseRuns.map((s) => median(s));
  const p99s = sseRuns.map((s) => percentile(s, 0.99));
  printTable(
    "append (fsync) to SSE subscriber of ledger serve",
    "events/s",
    [
      {
        name: "ledger append -> SSE",
        rate: 1000 / median(p50s),
        p50: median(p50s),
        p99: median(p99s),
        note: `target p99 <= 5 ms; p99 of each run: ${p99s.map((v) => v.toFixed(2)).join(", ")}`,
      },
    ],
    "ledger append -> SSE",
  );
}
