import type { AddressInfo } from "node:net";
import { openIndexer } from "@ledger/indexer";
import { openWriter } from "@ledger/writer";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { findChromium } from "../test-support/chromium.js";
import { tempRoot } from "../test-support/cli.js";
import { createLedgerServer } from "./server.js";

async function emitAndIndex(root: string, events: Record<string, unknown>[]): Promise<void> {
  const writer = await openWriter({ root });
  await writer.appendMany(events as { event_type: string }[]);
  await writer.close();
  const indexer = await openIndexer({ root });
  await indexer.update();
  await indexer.close();
}

const created = (runId: string) => ({
  event_type: "run.created",
  run_id: runId,
  run_type: "optimize",
  config: {},
  data_fingerprint: "fp",
});

describe("the web page, in a real headless Chromium", () => {
  it("lists runs, shows a new run appear, and streams a run's events live", async () => {
    const executablePath = findChromium();
    if (!executablePath)
      throw new Error("Chromium is not installed: apt-get install chromium (.ci/run does)");
    const root = tempRoot();
    await emitAndIndex(root, [created("first-run"), { event_type: "run.started", run_id: "first-run" }]);
    const server = createLedgerServer({ root, token: "page-token" });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/#token=page-token`);
      await page.locator('tr[data-run="first-run"]').waitFor({ timeout: 10_000 });
      await emitAndIndex(root, [created("second-run")]);
      await page.locator('tr[data-run="second-run"]').waitFor({ timeout: 10_000 });
      await page.locator("a", { hasText: "first-run" }).click();
      await page.locator("#state", { hasText: "live" }).waitFor({ timeout: 10_000 });
      expect(await page.locator(".event").count()).toBe(2);
      const writer = await openWriter({ root });
      await writer.append({
        event_type: "phase.started",
        run_id: "first-run",
        phase: "load",
        phase_order: 2,
      });
      await writer.close();
      await page.locator(".event", { hasText: "phase.started" }).waitFor({ timeout: 5_000 });
      expect(await page.locator(".event").count()).toBe(3);
      // The new writer's event has seq 1 again; the page numbers events by their place instead.
      expect(await page.locator(".event").allTextContents()).toEqual([
        expect.stringMatching(/^#1 .*run\.created {2}seq 1$/),
        expect.stringMatching(/^#2 .*run\.started {2}seq 2$/),
        expect.stringMatching(/^#3 .*phase\.started {2}seq 1$/),
      ]);
    } finally {
      await browser.close();
      server.close();
      server.closeAllConnections();
    }
  });
});
