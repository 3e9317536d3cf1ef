import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import { startServe } from "../harness/serve.js";
import { median, percentile, timeEach } from "../harness/stats.js";
import { printTable, type Row } from "../harness/table.js";

const RUNS = 10_000;
const TRIALS = 50_000;
const BIG_RUN = "big-000000";

/** What of playwright-core's API the suite drives. */
interface Locator {
  first(): Locator;
  waitFor(options?: { timeout?: number }): Promise<void>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string, options?: { hasText?: string }): Locator;
}
interface Context {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Browser {
  newContext(options: { viewport: { width: number; height: number } }): Promise<Context>;
  close(): Promise<void>;
}
interface Chromium {
  launch(options: { executablePath: string; args: string[] }): Promise<Browser>;
}

/**
 * playwright-core as `@ledger/cli` has it (a dev dependency of the CLI, whose page tests drive
 * Debian's Chromium with it), so the bench measures the page in the same browser.
 */
function chromiumDriver(): { chromium: Chromium; executablePath: string } {
  const require = createRequire(new URL("../../../../apps/cli/package.json", import.meta.url));
  const { chromium } = require("playwright-core") as { chromium: Chromium };
  const executablePath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  if (!executablePath) throw new Error("Chromium is not installed: apt-get install chromium");
  return { chromium, executablePath };
}

/**
 * Chromium's headless mode builds the omnibox's popup (a WebUI page) for every new window: a
 * renderer busy for about two seconds, a core of two taken from the page being timed, where a
 * user's browser built it once, when its window opened. Off, as in the CLI's page tests.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
];

/** 10,000 small runs and one with 50,000 trials, laid down straight as part files, then indexed. */
async function seed(root: string): Promise<void> {
  writeLog(root, backtestEvents({ runs: RUNS, trialsPerRun: 1, startMs: Date.UTC(2026, 0, 5, 8) }));
  writeLog(
    root,
    backtestEvents({ runs: 1, trialsPerRun: TRIALS, prefix: "big", startMs: Date.UTC(2026, 0, 6, 8) }),
    "2026-01-06",
  );
  const indexer = await openIndexer({ root });
  await indexer.update();
  await indexer.close();
}

/**
 * Page load in Chromium: from navigation to `ready` shown, in a fresh browser context each time
 * (made before the clock starts: a new renderer process is the browser's cost, not the page's).
 */
async function loads(
  browser: Browser,
  times: number,
  url: string,
  ready: (page: Page) => Promise<void>,
): Promise<number[]> {
  const load = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(url);
      await ready(page);
      return performance.now() - started;
    } finally {
      await context.close();
    }
  };
  // One load first, untimed: it opens the server's DuckDB snapshot, as any first reader would.
  await load();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await load());
  return samples.sort((a, b) => a - b);
}

async function apiMs(url: string, times: number): Promise<number[]> {
  return timeEach(times, async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    await response.arrayBuffer();
  });
}

export async function pageSuite(runs: number): Promise<void> {
  const { chromium, executablePath } = chromiumDriver();
  const root = mkdtempSync(join(tmpdir(), "ledger-bench-page-"));
  const setup = performance.now();
  await seed(root);
  console.log(
    `page: ${RUNS.toLocaleString("en-US")} runs and a run of ${TRIALS.toLocaleString("en-US")} trials indexed in ${((performance.now() - setup) / 1000).toFixed(1)} s`,
  );
  const { process: server, port } = await startServe(["--root", root]);
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const times = Math.max(3, runs);
    const list = await loads(browser, times, `${base}/`, (page) =>
      page.locator("tbody tr[data-id]").first().waitFor({ timeout: 30_000 }),
    );
    const run = await loads(browser, times, `${base}/#/run/${BIG_RUN}`, async (page) => {
      await page.locator("#trials-title", { hasText: "Trials (50,000)" }).waitFor({ timeout: 60_000 });
      await page.locator("#trials tbody tr[data-id]").first().waitFor({ timeout: 60_000 });
      await page.locator("#plot-history canvas").waitFor({ timeout: 60_000 });
    });
    const row = (name: string, sorted: number[], note: string): Row => ({
      name,
      rate: 1000 / median(sorted),
      p50: median(sorted),
      p99: percentile(sorted, 0.99),
      note,
    });
    const listApi = await apiMs(`${base}/runs?limit=500&fields=best`, times);
    const trialsApi = await apiMs(`${base}/runs/${BIG_RUN}/trials`, times);
    printTable(
      "ledger serve's page in Chromium (navigation to rendered)",
      "loads/s",
      [
        row(
          `runs list, ${RUNS.toLocaleString("en-US")}-run index`,
          list,
          "target < 1 s; the newest 500 runs listed and drawn",
        ),
        row(
          `one run, ${TRIALS.toLocaleString("en-US")} trials`,
          run,
          "target < 2 s; table, plots and waterfall drawn",
        ),
        row("GET /runs?limit=500&fields=best", listApi, "the list's request alone"),
        row(`GET /runs/${BIG_RUN}/trials`, trialsApi, "the run's trials alone, as columns"),
      ],
      `runs list, ${RUNS.toLocaleString("en-US")}-run index`,
    );
    console.log(
      `samples (ms): list ${list.map((v) => v.toFixed(0)).join(", ")}; run ${run.map((v) => v.toFixed(0)).join(", ")}`,
    );
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    rmSync(root, { recursive: true, force: true });
  }
}
