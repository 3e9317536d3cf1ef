import { mkdirSync, mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openIndexer } from "@ledger/indexer";
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import { openWriter } from "@ledger/writer";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../test-support/chromium.js";
import { tempRoot } from "../test-support/cli.js";
import { createLedgerServer } from "./server.js";

/**
 * Where the screenshots go: the folder the README links to when `LEDGER_SCREENSHOTS=1`
 * (`pnpm --filter @ledger/cli screenshots`), else a temporary folder, so a test run leaves the
 * repository as it was.
 */
const SHOTS = process.env.LEDGER_SCREENSHOTS
  ? fileURLToPath(new URL("../../../../docs/page/", import.meta.url))
  : mkdtempSync(join(tmpdir(), "ledger-page-shots-"));
mkdirSync(SHOTS, { recursive: true });

async function emit(root: string, events: Record<string, unknown>[]): Promise<void> {
  const writer = await openWriter({ root });
  await writer.appendMany(events as { event_type: string }[]);
  await writer.close();
}

async function index(root: string): Promise<void> {
  const indexer = await openIndexer({ root });
  await indexer.update();
  await indexer.close();
}

const created = (runId: string, runType = "optimize") => ({
  event_type: "run.created",
  run_id: runId,
  run_type: runType,
  config: { strategy: "sma_cross", fast: 10, slow: 50 },
  data_fingerprint: "fp-2026-q1",
  git: { commit: "4f53545c0ffee0123456789abcdef0123456789a", branch: "main", dirty: false },
});

const trial = (runId: string, i: number) => ({
  event_type: "trial.recorded",
  run_id: runId,
  trial_id: `t-${i}`,
  params: { fast: 5 + (i % 10), slow: 20 + (i % 30) },
  metrics: { sharpe: ((i * 37) % 300) / 100, pnl: (i * 13) % 5000 },
});

let browser: Browser;
const servers: Server[] = [];
const contexts: BrowserContext[] = [];
/** Console errors and uncaught exceptions of the test's pages: every test ends with none. */
let problems: string[] = [];

beforeAll(async () => {
  const executablePath = findChromium();
  if (!executablePath) throw new Error("Chromium is not installed: apt-get install chromium (.ci/run does)");
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  // Pages first, so their streams end before the server they read from does.
  for (const context of contexts.splice(0)) await context.close();
  for (const server of servers.splice(0)) {
    server.close();
    server.closeAllConnections();
  }
  expect(problems).toEqual([]);
  problems = [];
});

async function serve(root: string, token?: string): Promise<string> {
  const server = createLedgerServer({ root, changesIntervalMs: 100, ...(token ? { token } : {}) });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function newPage(width = 1280, height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const cells = (page: Page, runId: string) => page.locator(`tr[data-id="${runId}"] td`);

describe("the web page, in a real headless Chromium", () => {
  it("lists runs and shows runs appear and complete live, with a banner while no daemon runs", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 12, trialsPerRun: 40, startMs: Date.UTC(2026, 10, 30, 8) }));
    await index(root);
    const base = await serve(root);
    const page = await newPage();
    await page.goto(base);
    await page.locator('tr[data-id="run-000011"]').waitFor();
    await expect.poll(() => page.locator("#banner").textContent()).toContain("daemon is not running");
    // The newest first; duration with its unit, the trial count and the best sharpe.
    await expect
      .poll(() => cells(page, "run-000011").allTextContents())
      .toEqual([
        "",
        "run-000011",
        "optimize",
        "succeeded",
        expect.stringMatching(/^2026-11-30 08:\d\d:\d\d$/),
        expect.stringMatching(/^\d+ ms$/),
        "40",
        "2.96",
      ]);

    await emit(root, [created("live-run"), { event_type: "run.started", run_id: "live-run" }]);
    await expect.poll(() => page.locator("#banner").textContent()).toContain("lags the log by 2 events");
    await index(root);
    await page.locator('tr[data-id="live-run"] .status', { hasText: "running" }).waitFor();
    await emit(root, [
      {
        event_type: "run.completed",
        run_id: "live-run",
        status: "succeeded",
        summary: {},
        artifact_paths: [],
      },
    ]);
    await index(root);
    await page.locator('tr[data-id="live-run"] .status', { hasText: "succeeded" }).waitFor();
    await expect.poll(() => page.locator("#banner").textContent()).not.toContain("lags");

    // Filters go to the server; sorting by a column is done on the page.
    await page.selectOption("#filter-status", "failed");
    await page.locator('tr[data-id="run-000006"]').waitFor();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.selectOption("#filter-status", "");
    await page.locator('tr[data-id="live-run"]').waitFor();
    await page.getByRole("button", { name: "run", exact: true }).click();
    await expect.poll(() => page.locator("tbody tr").first().getAttribute("data-id")).toBe("live-run");
    await page.getByRole("button", { name: "run ▲", exact: true }).click();
    await expect.poll(() => page.locator("tbody tr").first().getAttribute("data-id")).toBe("run-000011");
    // Keyboard: focus the first row, arrow down, Enter opens that run.
    await page.locator("tbody tr").first().focus();
    await page.keyboard.press("ArrowDown");
    const second = await page.locator("tbody tr").nth(1).getAttribute("data-id");
    await page.keyboard.press("Enter");
    await page.locator("h1", { hasText: second ?? "?" }).waitFor();
    await page.goBack();
    await page.locator('tr[data-id="live-run"]').waitFor();
    await screenshot(page, "runs");

    const narrow = await newPage(390, 844);
    await narrow.goto(base);
    await narrow.locator('tr[data-id="live-run"]').waitFor();
    const width = await narrow
      .locator("html")
      .evaluate((node: unknown) => (node as { scrollWidth: number }).scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await screenshot(narrow, "runs-narrow");
  });

  it("shows a run's phases, trials and events appear while it runs, before any index has them", async () => {
    const root = tempRoot();
    await emit(root, [created("live-run"), { event_type: "run.started", run_id: "live-run" }]);
    await index(root);
    const base = await serve(root);
    const page = await newPage();
    await page.goto(`${base}/#/run/live-run`);
    await page.locator("#state", { hasText: "live" }).waitFor();
    await expect.poll(() => page.locator("#summary").textContent()).toContain("0 trials");
    await expect.poll(() => page.locator(".event").count()).toBe(2);

    const writer = await openWriter({ root });
    await writer.append({ event_type: "phase.started", run_id: "live-run", phase: "load", phase_order: 0 });
    await page.locator('.phase[data-phase="load"].open').waitFor();
    await writer.append({
      event_type: "phase.completed",
      run_id: "live-run",
      phase: "load",
      duration_ms: 1250,
      output_summary: {},
    });
    await writer.append({
      event_type: "phase.started",
      run_id: "live-run",
      phase: "execute",
      phase_order: 1,
    });
    for (let i = 0; i < 3; i++) await writer.append(trial("live-run", i));
    await page.locator("#trials-title", { hasText: "Trials (3)" }).waitFor();
    await page.locator('.phase[data-phase="load"].done', { hasText: "1.25 s" }).waitFor();
    await page.locator('.phase[data-phase="execute"].open').waitFor();
    await expect.poll(() => page.locator("#trials tbody tr").count()).toBe(3);
    await expect.poll(() => page.locator("#summary").textContent()).toContain("3 trials");

    await writer.append({
      event_type: "phase.completed",
      run_id: "live-run",
      phase: "execute",
      duration_ms: 40,
      output_summary: {},
    });
    await writer.append({
      event_type: "run.completed",
      run_id: "live-run",
      status: "succeeded",
      summary: { best_sharpe: 0.74 },
      artifact_paths: [],
    });
    await writer.close();
    await page.locator("h1 .status", { hasText: "succeeded" }).waitFor();
    await expect.poll(() => page.locator(".event").count()).toBe(10);
    // Each event's fields, on demand; the cursor shown is the last event's SSE id.
    await page.locator(".event summary", { hasText: "run.completed" }).click();
    await expect.poll(() => page.locator(".event pre").last().textContent()).toContain('"best_sharpe": 0.74');
    await expect.poll(() => page.locator("#cursor").textContent()).toMatch(/^\d{8}-\d+-[0-9a-z]+$/);
    await screenshot(page, "run-live");
  });

  it("plots a metric over the trials and against a parameter, one point per trial", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 240, startMs: Date.UTC(2026, 10, 30, 9) }));
    await index(root);
    const base = await serve(root);
    const page = await newPage();
    await page.goto(`${base}/#/run/run-000000`);
    await page.locator("#plot-history canvas").waitFor();
    await page.locator("#state", { hasText: "live" }).waitFor();
    // The uPlot instance the page drew with: how many values each of its series holds.
    const points = (selector: string) =>
      page
        .locator(selector)
        .evaluate((node: unknown) =>
          (node as { uplot: { data: unknown[][] } }).uplot.data.map((series) => series.length),
        );
    // x, the metric and its best so far: 240 each.
    await expect.poll(() => points("#plot-history")).toEqual([240, 240, 240]);
    await expect.poll(() => points("#plot-param-metric")).toEqual([240, 240]);
    // The dots are drawn, not only held: pixels of the metric's colour on each canvas.
    const drawn = (selector: string) =>
      page.locator(`${selector} canvas`).evaluate((node: unknown) => {
        const canvas = node as { width: number; height: number; getContext(kind: "2d"): CanvasPixels };
        const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
        let blue = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] === 0x1d && data[i + 1] === 0x4e && data[i + 2] === 0xd8) blue++;
        }
        return blue;
      });
    await expect.poll(() => drawn("#plot-history")).toBeGreaterThan(240);
    await expect.poll(() => drawn("#plot-param-metric")).toBeGreaterThan(10);
    await page.selectOption("#plot-metric", "pnl");
    await expect.poll(() => page.locator("#plot-history").getAttribute("data-points")).toBe("240");
    await expect.poll(() => page.locator(".u-title").first().textContent()).toBe("pnl over trials");
    // The trials table: sorted by sharpe, best first, 50 to a page.
    await expect.poll(() => page.locator("#trials tbody tr").count()).toBe(50);
    await expect.poll(() => page.locator("#trials tbody tr").first().getAttribute("data-id")).toBe("t-227");
    await expect.poll(() => page.locator(".phase.done").count()).toBe(6);
    await page.selectOption("#plot-metric", "sharpe");
    await screenshot(page, "run");
  });

  it("sorts by a column across every run, not only the newest loaded, and pages on in that order", async () => {
    const root = tempRoot();
    // The one run with trials is the oldest: past the first 500 the list loads by time.
    writeLog(
      root,
      backtestEvents({ runs: 1, trialsPerRun: 5, prefix: "old", startMs: Date.UTC(2026, 10, 29) }),
    );
    writeLog(
      root,
      backtestEvents({ runs: 520, trialsPerRun: 0, startMs: Date.UTC(2026, 10, 30) }),
      "2026-11-30",
    );
    await index(root);
    const base = await serve(root);
    const page = await newPage();
    await page.goto(base);
    await page.locator(".count", { hasText: "500 runs loaded" }).waitFor();
    await page.getByRole("button", { name: "trials" }).click();
    await expect
      .poll(() => page.locator("#view tbody tr").first().getAttribute("data-id"))
      .toBe("old-000000");
    await page.locator("#load-more", { hasText: "Load more runs" }).click();
    await page.locator(".count", { hasText: "521 runs" }).waitFor();
    await expect.poll(() => page.locator("#load-more").isHidden()).toBe(true);
  });

  it("compares the runs ticked in the list", async () => {
    const root = tempRoot();
    writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 30, startMs: Date.UTC(2026, 10, 30, 10) }));
    await index(root);
    const base = await serve(root);
    const page = await newPage();
    await page.goto(base);
    await page.getByLabel("compare run-000000").check();
    await page.getByLabel("compare run-000002").check();
    await page.locator("#compare-selected", { hasText: "Compare selected (2)" }).click();
    await page.locator("#compare").waitFor();
    const heads = await page.locator("#compare-summary + .scroll thead th").allTextContents();
    expect(heads).toEqual(["", "run-000000", "run-000002"]);
    await expect.poll(() => page.locator("#compare").textContent()).not.toContain("run-000001");
    await expect.poll(() => page.locator("#compare-phases + .scroll tbody tr").count()).toBe(7);
    await expect.poll(() => page.locator("#compare-best + .scroll tbody").textContent()).toContain("sharpe");
    await screenshot(page, "compare");
  });

  it("asks for the token once and keeps it for the tab", async () => {
    const root = tempRoot();
    await emit(root, [created("first-run")]);
    await index(root);
    const base = await serve(root, "page-token");
    const page = await newPage();
    await page.goto(base);
    await page.locator("#token-dialog[open]").waitFor();
    await page.screenshot({ path: join(SHOTS, "token.png") });
    await page.fill("#token-input", "page-token");
    await page.click("#token-dialog button[type=submit]");
    await page.locator('tr[data-id="first-run"]').waitFor();
    await page.reload();
    await page.locator('tr[data-id="first-run"]').waitFor();
    await expect.poll(() => page.locator("#token-dialog").getAttribute("open")).toBeNull();
    // The old `#token=` address still works, and leaves the address.
    const other = await newPage();
    await other.goto(`${base}/#token=page-token`);
    await other.locator('tr[data-id="first-run"]').waitFor();
    expect(other.url()).not.toContain("page-token");
  });
});

/** What of a canvas's 2D context the plot test reads. */
interface CanvasPixels {
  getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
}
