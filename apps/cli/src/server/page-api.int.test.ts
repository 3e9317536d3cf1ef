import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openIndexer, RUN_SORT_KEYS } from "@ledger/indexer";
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { tempRoot } from "../test-support/cli.js";
import { createLedgerServer } from "./server.js";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.close();
    server.closeAllConnections();
  }
});

async function index(root: string): Promise<void> {
  const indexer = await openIndexer({ root });
  await indexer.update();
  await indexer.close();
}

async function start(root: string, token?: string): Promise<string> {
  const server = createLedgerServer({ root, changesIntervalMs: 50, ...(token ? { token } : {}) });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the API the page reads", () => {
  it("serves the page's files, uPlot from the package and a favicon, and says when a token is needed", async () => {
    const root = tempRoot();
    const open = await start(root);
    const guarded = await start(root, "t0ken");
    for (const path of ["/page/app.js", "/vendor/uplot.js", "/vendor/uplot.css", "/favicon.ico"]) {
      const response = await fetch(`${guarded}${path}`);
      expect([path, response.status]).toEqual([path, 200]);
    }
    expect(await (await fetch(`${guarded}/vendor/uplot.js`)).text()).toContain("uPlot");
    expect(await (await fetch(`${guarded}/`)).text()).toContain('<html lang="en" data-auth="bearer">');
    expect(await (await fetch(`${open}/`)).text()).toContain('<html lang="en">');
    expect((await fetch(`${guarded}/page/nothing.js`)).status).toBe(401);
    expect((await fetch(`${open}/page/nothing.js`)).status).toBe(404);
  });

  it("orders every run by any column of the list, paging by offset, as a sort of the whole listing would", async () => {
    const root = tempRoot();
    // Trial counts, best sharpe and durations that differ between runs, and runs without trials.
    for (const [i, trials] of [0, 1, 3, 6].entries())
      writeLog(
        root,
        backtestEvents({
          runs: 4,
          trialsPerRun: trials,
          prefix: `p${i}`,
          startMs: Date.UTC(2026, 0, 5, 8 + i),
        }),
        "2026-01-05",
        i + 1,
      );
    await index(root);
    const base = await start(root);
    type Listed = Record<string, string | number | null> & { run_id: string };
    const all = (await get(`${base}/runs?limit=100&fields=best`)).body.runs as Listed[];
    expect(all).toHaveLength(16);
    for (const key of RUN_SORT_KEYS) {
      for (const order of ["asc", "desc"]) {
        // Nulls last either way, ties by run id.
        const expected = [...all]
          .sort((a, b) => {
            const [x, y] = [a[key], b[key]];
            if (x !== y) {
              if (x === null || x === undefined) return 1;
              if (y === null || y === undefined) return -1;
              return (x < y ? -1 : 1) * (order === "asc" ? 1 : -1);
            }
            return a.run_id < b.run_id ? -1 : 1;
          })
          .map((r) => r.run_id);
        const pages: string[] = [];
        for (let offset = 0; offset < 16; offset += 5) {
          const page = await get(`${base}/runs?sort=${key}&order=${order}&limit=5&offset=${offset}`);
          pages.push(...(page.body.runs as Listed[]).map((r) => r.run_id));
        }
        expect([key, order, pages]).toEqual([key, order, expected]);
      }
    }
    expect((await get(`${base}/runs?sort=sharpe`)).body.error).toMatch(/^sort must be one of created_at, /);
    expect((await get(`${base}/runs?order=up`)).body).toEqual({ error: 'order must be "asc" or "desc"' });
    expect((await get(`${base}/runs?offset=-1`)).status).toBe(400);
  });

  it("lists runs with their best trials, pages back by creation time, and gives the index's cursor", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 5, trialsPerRun: 4, startMs: Date.UTC(2026, 0, 5, 8) }));
    await index(root);
    const base = await start(root);
    const plain = await get(`${base}/runs?limit=2`);
    expect(plain.body.cursor).toMatch(/^20260105-1-[0-9a-z]+$/);
    const runs = plain.body.runs as { run_id: string; created_at: string; best_sharpe?: number }[];
    expect(runs.map((r) => r.run_id)).toEqual(["run-000004", "run-000003"]);
    expect(runs[0]).not.toHaveProperty("best_sharpe");
    const best = await get(`${base}/runs?limit=2&fields=best`);
    expect(best.body.runs).toEqual([
      expect.objectContaining({ run_id: "run-000004", trials: 4, best_trial: "t-3", best_sharpe: 1.11 }),
      expect.objectContaining({ run_id: "run-000003", trials: 4, best_trial: "t-3", best_sharpe: 1.11 }),
    ]);
    // The listing's fields and the best trial's, nothing of the run's detail.
    expect(Object.keys((best.body.runs as object[])[0] ?? {}).sort()).toEqual(
      [...Object.keys(runs[0] ?? {}), "best_trial", "best_sharpe"].sort(),
    );
    const until = Date.parse(runs[1]!.created_at);
    const older = await get(`${base}/runs?limit=10&until_ms=${until}`);
    expect((older.body.runs as { run_id: string }[]).map((r) => r.run_id)).toEqual([
      "run-000002",
      "run-000001",
      "run-000000",
    ]);
    expect((await get(`${base}/runs?until_ms=soon`)).body).toEqual({
      error: "until_ms must be epoch milliseconds",
    });
    expect((await get(`${base}/runs?fields=all`)).status).toBe(400);
  });

  it("gives a run's trials as columns, with the cursor the events after them start from", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 3 }));
    await index(root);
    const base = await start(root);
    const { status, body } = await get(`${base}/runs/run-000000/trials`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      total: 3,
      trial_id: ["t-0", "t-1", "t-2"],
      params: { fast: [5, 6, 7], slow: [20, 21, 22], stop_loss: [0.02, 0.02, 0.02] },
      metrics: { sharpe: [0, 0.37, 0.74], pnl: [0, 13, 26] },
    });
    const detail = await get(`${base}/runs/run-000000`);
    expect(detail.body.cursor).toBe(body.cursor);
    // Resuming the event stream from that cursor sends nothing the index already holds.
    const controller = new AbortController();
    const response = await fetch(`${base}/runs/run-000000/events?stream=true&cursor=${body.cursor}`, {
      signal: controller.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("event: caught-up")) text += (await reader.read()).value ?? "";
    controller.abort();
    expect(text).not.toContain('data: {"event_id');
    expect((await get(`${base}/runs/nobody/trials`)).body).toMatchObject({ total: 0 });
  });

  it("downloads an artifact the run's events name, and nothing else", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1 }));
    await index(root);
    const dir = join(root, "artifacts", "runs", "run-000000");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "summary.json"), '{"ok":true}');
    writeFileSync(join(dir, "secret.txt"), "not an artifact");
    const base = await start(root);
    const ok = await fetch(`${base}/runs/run-000000/artifacts/summary.json`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-disposition")).toBe('attachment; filename="summary.json"');
    expect(await ok.text()).toBe('{"ok":true}');
    expect((await fetch(`${base}/runs/run-000000/artifacts/secret.txt`)).status).toBe(404);
    expect((await fetch(`${base}/runs/run-000000/artifacts/trades.parquet`)).status).toBe(404);
    expect((await fetch(`${base}/runs/run-000000/artifacts/..%2F..%2Fevents`)).status).toBe(404);
  });

  it("streams run changes: ready with the cursor, then the runs the index took in, and health", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1 }));
    await index(root);
    const base = await start(root);
    const listed = await get(`${base}/runs`);
    const controller = new AbortController();
    const response = await fetch(`${base}/runs?stream=true`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += (await reader.read()).value ?? "";
    };
    await until("event: health");
    expect(text).toContain(`event: ready\ndata: {"cursor":"${listed.body.cursor}"}`);
    expect(text).toContain('"lag":{"bytes":0,"events":0}');
    writeLog(
      root,
      backtestEvents({ runs: 1, trialsPerRun: 2, prefix: "next", startMs: Date.UTC(2026, 0, 5, 9) }),
    );
    // A second health event: the log is now ahead of the index.
    while (text.split("event: health").length < 3) text += (await reader.read()).value ?? "";
    expect(text.slice(text.lastIndexOf("event: health"))).not.toContain('"lag":{"bytes":0');
    await index(root);
    await until("event: runs");
    controller.abort();
    const frame = text.slice(text.indexOf("event: runs"));
    const runs = JSON.parse(frame.slice(frame.indexOf("data: ") + 6, frame.indexOf("\n\n"))).runs;
    expect(runs).toEqual([
      expect.objectContaining({ run_id: "next-000000", status: "succeeded", trials: 2, best_trial: "t-1" }),
    ]);
  });
});
