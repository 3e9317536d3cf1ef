import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openIndexer } from "./indexer.js";
import { INDEX_DATABASES } from "./projections/define.js";
import { openIndexReader } from "./reader.js";
import { spawnChild } from "./test-support/children.js";
import { reader, tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

/**
 * Opens `path` read-write in another process, writes to it and kills that process with SIGKILL
 * once it has: what a `duckdb` shell opened without -readonly and killed leaves behind.
 */
async function killedWhileWriting(path: string): Promise<void> {
  const child = spawnChild("read-write", [path]);
  await new Promise<void>((resolve, reject) => {
    child.process.stdout!.on("data", (text: string) => {
      if (text.includes("open")) resolve();
    });
    child.process.on("exit", (code) => reject(new Error(`read-write child exited with ${code}`)));
  });
  child.process.kill("SIGKILL");
  await child.output;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const everyDatabase = `SELECT (SELECT count(*) FROM runs_d)::INTEGER AS runs,
  (SELECT count(*) FROM catalog.artifacts_catalog)::INTEGER AS artifacts,
  (SELECT count(*) FROM alerts.alerts)::INTEGER AS alerts`;

describe("publication against DuckDB processes outside ledger", () => {
  it("a process killed while holding published databases read-write leaves no WAL that breaks readers", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 5, prefix: "a" }));
    await indexer.update();
    for (const db of INDEX_DATABASES) {
      const published = join(root, "index", `${db}.duckdb`);
      await killedWhileWriting(published);
      expect(existsSync(`${published}.wal`)).toBe(true);
    }
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 5, prefix: "b" }), "2026-01-06");
    await indexer.rebuild();
    for (const db of INDEX_DATABASES) expect(existsSync(join(root, "index", `${db}.duckdb.wal`))).toBe(false);
    const before = openIndexReader({ root });
    expect((await before.query(everyDatabase).finally(() => before.close()))[0]).toMatchObject({ runs: 5 });

    // The same after an incremental round, which publishes runs.duckdb only.
    await killedWhileWriting(join(root, "index", "runs.duckdb"));
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 5, prefix: "c" }), "2026-01-07");
    await indexer.update();
    expect(existsSync(join(root, "index", "runs.duckdb.wal"))).toBe(false);
    expect((await reader(root).query(everyDatabase))[0]).toMatchObject({ runs: 6 });
  });

  it("readers querying while killed read-write processes come and go never see a stale WAL or half an update", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 20, prefix: "p0" }));
    await indexer.update();
    const watcher = spawnChild("reader", [root]);
    for (let i = 1; i <= 3; i++) {
      // The reader lets go of the index while the read-write process lives: it holds it exclusively.
      writeFileSync(join(root, "pause"), "");
      await until(() => existsSync(join(root, "paused")));
      await killedWhileWriting(join(root, "index", "runs.duckdb"));
      rmSync(join(root, "pause"));
      await until(() => !existsSync(join(root, "paused")));
      for (let round = 0; round < 3; round++) {
        writeLog(
          root,
          backtestEvents({ runs: 1, trialsPerRun: 20, prefix: `p${i}-${round}` }),
          "2026-01-05",
          2,
        );
        expect((await indexer.update()).published).toBe(true);
      }
    }
    writeFileSync(join(root, "stop"), "");
    const seen = JSON.parse(await watcher.output) as {
      queries: number;
      lockErrors: number;
      partial: number;
      errors: string[];
    };
    expect(seen).toMatchObject({ lockErrors: 0, partial: 0, errors: [] });
    expect(seen.queries).toBeGreaterThan(10);
  });

  it("publishes read-only files, and keeps publishing as generations are reused", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    for (let round = 0; round < 4; round++) {
      writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 3, prefix: `r${round}` }), "2026-01-05");
      await indexer.settle();
      for (const db of INDEX_DATABASES) {
        expect(statSync(join(root, "index", `${db}.duckdb`)).mode & 0o777).toBe(0o444);
      }
    }
    await indexer.rebuild();
    for (const db of INDEX_DATABASES) {
      expect(statSync(join(root, "index", `${db}.duckdb`)).mode & 0o777).toBe(0o444);
    }
    expect((await reader(root).query(everyDatabase))[0]).toMatchObject({ runs: 4 });
  });

  it("an idle reader lets go of a replaced snapshot without waiting for its next query", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    const gen = join(root, "index", ".gen", "runs");
    const generations = () => new Set(readdirSync(gen).map((n) => statSync(join(gen, n)).ino));
    let n = 0;
    const round = async () => {
      writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 3, prefix: `r${n++}` }), "2026-01-05");
      await indexer.update();
    };
    await round();
    await round();
    const idle = spawnChild("idle-reader", [root]);
    await new Promise((resolve) => idle.process.stdout?.once("data", resolve));
    try {
      await round(); // replaces the file the reader has open
      await new Promise((r) => setTimeout(r, 200));
      // The reader let go of it: the next round reuses it rather than copying the newest.
      const before = generations();
      await round();
      expect(before.has(statSync(join(root, "index", "runs.duckdb")).ino)).toBe(true);
    } finally {
      idle.process.kill("SIGKILL");
      await idle.output;
    }
  });
});
