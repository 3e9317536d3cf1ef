import { spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "../test-support/cli.js";

// DuckDB as the indexer resolves it: the CLI does not depend on it directly.
const duckdb = createRequire(createRequire(import.meta.url).resolve("@ledger/indexer")).resolve(
  "@duckdb/node-api",
);

/** Opens `path` read-write in another process, writes to it, and kills it with SIGKILL. */
async function killedWhileWriting(path: string): Promise<void> {
  const script = `
    const { DuckDBInstance } = await import(${JSON.stringify(pathToFileURL(duckdb).href)});
    const instance = await DuckDBInstance.create(${JSON.stringify(path)});
    await (await instance.connect()).run("CREATE TABLE scribble AS SELECT 1 AS x");
    process.stdout.write("open\\n");
    setInterval(() => {}, 60_000);
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (text: Buffer) => {
        if (String(text).includes("open")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`read-write child exited with ${code}`)));
    });
  } finally {
    child.kill("SIGKILL");
  }
  await new Promise((resolve) => child.on("close", resolve));
}

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

describe("ledger doctor", () => {
  it("reports a WAL left beside the published index by a killed read-write process, naming the file", async () => {
    const root = tempRoot();
    ledger(["demo", "--runs", "2", "--root", root]);
    const published = join(root, "index", "runs.duckdb");
    await killedWhileWriting(published);
    const wal = `${published}.wal`;
    expect(existsSync(wal)).toBe(true);

    const found = ledger(["doctor", "--json", "--root", root]);
    expect(found.code).toBe(1);
    const report = JSON.parse(found.stdout) as Report;
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["index WAL"]);
    expect(report.checks.find((c) => c.name === "index WAL")?.detail).toContain(wal);
    expect(found.stderr).toBe("ledger: 1 problem(s): index WAL [LEDGER_DOCTOR_PROBLEMS]\n");

    // The next publication removes it, and readers of the new file are fine.
    copyFileSync(wal, join(root, "kept.wal"));
    expect(ledger(["rebuild-index", "--full-rebuild", "--root", root]).code).toBe(0);
    expect(existsSync(wal)).toBe(false);
    expect(ledger(["doctor", "--json", "--root", root]).code).toBe(0);

    // A WAL that does not match the published file (as one a live read-write process writes
    // after a publication): readers fail, and doctor says so in its report instead of crashing.
    copyFileSync(join(root, "kept.wal"), wal);
    const stale = ledger(["doctor", "--root", root]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/FAIL {2}index WAL: .*runs\.duckdb\.wal: a DuckDB process opened the index/);
    expect(stale.stdout).toMatch(/FAIL {2}index: readers cannot query the index: .*WAL/);
    // Other checks that read the index may fail with it: the line names these two first.
    expect(stale.stderr).toMatch(
      /^ledger: \d+ problem\(s\): index WAL, index\b.* \[LEDGER_DOCTOR_PROBLEMS\]\n$/,
    );
  });
});
