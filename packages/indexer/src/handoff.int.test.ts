import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import { spawnChild } from "./test-support/children.js";
import { indexDigest } from "./test-support/index-digest.js";
import { reader, rebuiltDigest, tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

let n = 0;
const t0 = Date.UTC(2026, 0, 1, 9);
const base = () => ({
  event_id: `01JM${String(++n).padStart(22, "0")}`,
  schema_version: 1,
  timestamp_ms: t0 + n,
});
const alert = (id: string) => ({
  ...base(),
  event_type: "alert.ingested",
  alert_id: id,
  source: "pager",
  received_at_ms: t0,
  payload: { id },
});
const artifact = (run: string, id: string) => ({
  ...base(),
  event_type: "artifact.created",
  run_id: run,
  artifact_id: id,
  kind: "report",
  path: `${id}.json`,
  format: "json",
  bytes: 10,
  sha256: "0".repeat(64),
});
const trials = (run: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    ...base(),
    event_type: "trial.recorded",
    run_id: run,
    trial_id: `t${n}-${i}`,
    params: { i },
    metrics: { sharpe: i / 10 },
  }));

const inode = (root: string, db: string) => statSync(join(root, "index", `${db}.duckdb`)).ino;

describe("databases with nothing new", () => {
  it("sit rounds out unpublished, then catch up from the runs database's handoff pointers alone", async () => {
    const root = tempRoot();
    // Small batches, so catching up is split over several transactions too.
    const indexer = track(await openIndexer({ root, batchBytes: 2048 }));
    writeLog(root, [...backtestEvents({ runs: 1, trialsPerRun: 3, prefix: "a" })], "2026-01-01", 1);
    writeLog(root, [alert("first"), artifact("a-000000", "x1")], "2026-01-01", 2);
    await indexer.update();
    // Another process keeps this round's runs snapshot open, so two rounds on the indexer cannot reuse
    // that generation and copies the newest instead: the runs database is then only one round
    // behind, the others two, and their second round is in no byte the next round reads.
    const holder = spawnChild("holder", [join(root, "index", "runs.duckdb")]);
    await new Promise((resolve) => holder.process.stdout?.once("data", resolve));
    try {
      writeLog(root, [alert("second")], "2026-01-01", 2);
      writeLog(root, [artifact("a-000000", "x2")], "2026-01-01", 3);
      await indexer.update();
      // The part with the second alert is compressed: it can only be read whole again.
      execFileSync("gzip", [join(root, "events/day=2026-01-01/part-000002.jsonl")]);
      // Trials only: the catalog and alerts databases still catch up on the second round.
      writeLog(root, trials("a-000000", 20), "2026-01-02", 1);
      await indexer.update();
    } finally {
      holder.process.kill("SIGKILL");
      await holder.output;
    }
    // Then, with nothing for them, they sit rounds out.
    const published = { catalog: inode(root, "catalog"), alerts: inode(root, "alerts") };
    for (let round = 0; round < 3; round++) {
      const runsBefore = inode(root, "runs");
      writeLog(root, trials("a-000000", 20), "2026-01-02", 1);
      const report = await indexer.update();
      expect(report.events).toBe(20);
      expect(inode(root, "runs")).not.toBe(runsBefore);
      expect(inode(root, "catalog")).toBe(published.catalog);
      expect(inode(root, "alerts")).toBe(published.alerts);
    }

    writeLog(root, [alert("third"), artifact("a-000000", "x3"), ...trials("a-000000", 5)], "2026-01-02", 2);
    await indexer.update();
    expect(inode(root, "alerts")).not.toBe(published.alerts);
    expect(inode(root, "catalog")).not.toBe(published.catalog);
    const r = reader(root);
    expect(await r.query("SELECT alert_id FROM alerts.alerts ORDER BY alert_id")).toEqual([
      { alert_id: "first" },
      { alert_id: "second" },
      { alert_id: "third" },
    ]);
    expect(await r.query("SELECT artifact_id FROM catalog.artifacts_catalog ORDER BY 1")).toEqual([
      { artifact_id: "x1" },
      { artifact_id: "x2" },
      { artifact_id: "x3" },
    ]);
    expect(await r.query("SELECT count(*)::INTEGER AS n FROM catalog.run_pointers")).toEqual([{ n: 1 }]);

    // Both generations of every database end up with everything: settle, then a full rebuild
    // elsewhere, must agree table by table.
    await indexer.settle();
    const settled = await indexDigest(r);
    writeLog(root, [alert("fourth")], "2026-01-02", 2);
    await indexer.update(); // written into the generation settle left behind
    await indexer.close();
    expect(await indexDigest(r)).toEqual(await rebuiltDigest(root));
    expect(settled["alerts.alerts"]).toMatch(/^3 /);
    expect((await indexDigest(r))["alerts.alerts"]).toMatch(/^4 /);
  });
});
