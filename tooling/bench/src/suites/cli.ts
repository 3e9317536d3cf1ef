import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openWriter } from "@ledger/writer";
import { median, percentile } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

const bin = fileURLToPath(new URL("../../../../apps/cli/dist/bin.js", import.meta.url));

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
  const server = spawn(process.execPath, [bin, "serve", "--port", "0", "--root", root], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    let banner = "";
    for await (const chunk of server.stdout!) {
      banner += String(chunk);
      if (/:(\d+)\//.test(banner)) break;
    }
    const port = /:(\d+)\//.exec(banner)![1];
    const response = await fetch(`http://127.0.0.1:${port}/runs/sse-run/events?stream=true`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    const waitFor = async (needle: string) => {
      while (!buffer.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += value;
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
    await reader.cancel();
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
  const sse = await sseLatency(Math.max(200, runs * 100));
  printTable(
    "append (fsync) to SSE subscriber of ledger serve",
    "events/s",
    [
      {
        name: "ledger append -> SSE",
        rate: 1000 / median(sse),
        p50: median(sse),
        p99: percentile(sse, 0.99),
        note: "target p99 <= 5 ms",
      },
    ],
    "ledger append -> SSE",
  );
}
