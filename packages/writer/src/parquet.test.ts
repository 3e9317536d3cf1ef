import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { LedgerError } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { DuckDBMissingError } from "./errors.js";
import { jsonlToParquet } from "./parquet.js";
import { tempRoot } from "./test-support/temp-root.js";

/** What Node's resolver throws for a package that is not installed. */
function notInstalled(): Error {
  return Object.assign(new Error("Cannot find package '@duckdb/node-api' imported from /x/writer.js"), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

describe("jsonlToParquet", () => {
  it("writes the rows as Parquet through the installed DuckDB", async () => {
    const dir = tempRoot();
    const jsonl = join(dir, "rows.jsonl");
    writeFileSync(jsonl, '{"ts":1,"px":10.5}\n{"ts":2,"px":11}\n');
    await jsonlToParquet(jsonl, join(dir, "rows.parquet"));
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    const rows = (
      await c.runAndReadAll(`SELECT sum(ts)::INT AS s FROM '${join(dir, "rows.parquet")}'`)
    ).getRowObjects();
    c.closeSync();
    db.closeSync();
    expect(rows).toEqual([{ s: 3 }]);
    expect(existsSync(join(dir, "rows.parquet.tmp"))).toBe(false);
  });

  it("without @duckdb/node-api (or its native binding) rejects with LEDGER_DUCKDB_MISSING", async () => {
    const dir = tempRoot();
    const jsonl = join(dir, "rows.jsonl");
    writeFileSync(jsonl, '{"ts":1}\n');
    for (const code of ["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"]) {
      const error = await jsonlToParquet(jsonl, join(dir, "rows.parquet"), () =>
        Promise.reject(Object.assign(notInstalled(), { code })),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuckDBMissingError);
      expect(error).toBeInstanceOf(LedgerError);
      expect(error).toMatchObject({ code: "LEDGER_DUCKDB_MISSING" });
      expect((error as Error).message).toMatch(/optional peer dependency @duckdb\/node-api/);
    }
    expect(existsSync(join(dir, "rows.parquet"))).toBe(false);
  });

  it("passes on a failure that is not a missing package", async () => {
    const dir = tempRoot();
    const broken = new Error("binding crashed");
    await expect(
      jsonlToParquet(join(dir, "rows.jsonl"), join(dir, "rows.parquet"), () => Promise.reject(broken)),
    ).rejects.toBe(broken);
  });
});
