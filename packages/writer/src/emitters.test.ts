import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { validateEvent } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { createRunDirectory } from "./artifacts.js";
import { createEmitter } from "./emitters.js";
import { gitProvenance } from "./git.js";
import { allLines, tempRoot } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

describe("emitters", () => {
  it("emit every core type as the seeds' backtest does, with seq from 1", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    const e = createEmitter(writer);
    await e.emitRunCreated("run-1", "baseline", { window: 20 }, "fp-1", {
      git: gitProvenance() ?? { commit: "x", branch: "main", dirty: false },
    });
    await e.emitRunStarted("run-1");
    await e.emitPhaseStarted("run-1", "plan", 0);
    await e.emitPhaseCompleted("run-1", "plan", 12.5, { rows: 3 });
    await e.emitTrialRecorded("run-1", "t1", { fast: 5 }, { sharpe: 1.1 });
    await e.emitBaselineCompleted("run-1", "buy-hold", { sharpe: 0.3 });
    const scope = e.run("run-1");
    await scope.artifact({
      artifact_id: "a",
      kind: "k",
      path: "a.json",
      format: "json",
      bytes: 1,
      sha256: "0".repeat(64),
    });
    await scope.completed({ pnl: 1 }, ["a.json"]);
    await writer.close();
    const lines = allLines(root);
    expect(lines.map((l) => l.event_type)).toEqual([
      "run.created",
      "run.started",
      "phase.started",
      "phase.completed",
      "trial.recorded",
      "baseline.completed",
      "artifact.created",
      "run.completed",
    ]);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const l of lines) expect(validateEvent(l).ok).toBe(true);
    expect(lines.at(-1)).toMatchObject({ status: "succeeded" });
  });

  it("in non-throwing mode report failures, count them and mark logging degraded", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    const errors: unknown[] = [];
    const e = createEmitter(writer, { throwOnError: false, onError: (err) => errors.push(err) });
    await expect(e.emitPhaseStarted("run-1", "plan", -1)).resolves.toBeUndefined();
    await expect(e.emitRunStarted("../escape")).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(writer.health()).toMatchObject({ degraded: true, emitFailures: 2 });
    await expect(createEmitter(writer).emitRunStarted("../escape")).rejects.toThrow(/run_id/);
    await writer.close();
  });
});

describe("run directories", () => {
  it("write JSON and Parquet artifacts, each followed by an artifact.created event", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    const dir = await createRunDirectory(writer, "run-1");
    const json = await dir.writeJson("summary.json", { pnl: 1.5 });
    const rows = Array.from({ length: 50 }, (_, i) => ({
      ts: i,
      price: 100 + i / 10,
      side: i % 2 ? "buy" : "sell",
    }));
    const parquet = await dir.writeParquet("trades.parquet", rows, { kind: "trades" });
    await writer.close();
    expect(json.event).toMatchObject({
      event_type: "artifact.created",
      path: "summary.json",
      format: "json",
      kind: "summary",
    });
    expect(parquet.event).toMatchObject({ path: "trades.parquet", format: "parquet", kind: "trades" });
    expect(JSON.parse(readFileSync(join(dir.path, "summary.json"), "utf8"))).toEqual({ pnl: 1.5 });
    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    const reader = await con.runAndReadAll(
      `SELECT count(*)::INT AS n, sum(ts)::INT AS s FROM '${join(dir.path, "trades.parquet")}'`,
    );
    expect(reader.getRowObjects()).toEqual([{ n: 50, s: 1225 }]);
    con.closeSync();
    await expect(dir.writeJson("../escape.json", {})).rejects.toThrow(/invalid artifact path/);
    await expect(createRunDirectory(writer, "../x")).rejects.toThrow(/invalid run id/);
  });
});

describe("artifacts and symlinks", () => {
  it("refuses a run directory or artifact folder that a symlink leads out of the tree", async () => {
    const { mkdirSync, symlinkSync, readdirSync } = await import("node:fs");
    const root = tempRoot();
    const writer = await openWriter({ root });
    const outside = join(root, "outside");
    mkdirSync(outside);
    mkdirSync(join(root, "artifacts", "runs"), { recursive: true });
    symlinkSync(outside, join(root, "artifacts", "runs", "escape"));
    await expect(createRunDirectory(writer, "escape")).rejects.toThrow(/outside the artifacts folder/);
    const run = await createRunDirectory(writer, "inside");
    symlinkSync(outside, join(run.path, "plots"));
    await expect(run.writeJson("plots/p.json", {})).rejects.toThrow(/outside the artifacts folder/);
    expect(readdirSync(outside)).toEqual([]);
    await writer.close();
  });
});
