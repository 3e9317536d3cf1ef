import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { IndexerOptionError, openIndexer } from "./index.js";
import { memoryBytes } from "./options-check.js";

describe("memoryBytes", () => {
  it("reads DuckDB's decimal and binary units", () => {
    expect(memoryBytes("128MB")).toBe(128e6);
    expect(memoryBytes("1.5 GiB")).toBe(1.5 * 2 ** 30);
    expect(memoryBytes("512kib")).toBe(512 * 1024);
    expect(memoryBytes("4096")).toBe(4096);
    expect(memoryBytes("lots")).toBeUndefined();
    expect(memoryBytes("12 parsecs")).toBeUndefined();
  });
});

describe("openIndexer's options", () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  const root = () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-options-"));
    roots.push(dir);
    return dir;
  };

  it("refuses a batch over a quarter of the memory limit, before taking the lock", async () => {
    const dir = root();
    const opening = openIndexer({ root: dir, batchBytes: 64 * 1024 * 1024 });
    await expect(opening).rejects.toThrow(IndexerOptionError);
    await expect(opening).rejects.toMatchObject({
      code: "LEDGER_INVALID_OPTION",
      message: expect.stringMatching(/^batchBytes 67108864 is over a quarter of memoryLimit 128MB/),
    });
    // Nothing was left held: an indexer with a memory limit to match opens.
    const indexer = await openIndexer({ root: dir, batchBytes: 64 * 1024 * 1024, memoryLimit: "1GB" });
    await indexer.close();
  });

  it.each([
    [{ batchBytes: 0 }, /^batchBytes must be a positive whole number, got 0$/],
    [{ maxLineBytes: 1.5 }, /^maxLineBytes must be a positive whole number/],
    [{ threads: -1 }, /^threads must be a positive whole number/],
    [{ waitForLockMs: Number.NaN }, /^waitForLockMs must be 0 or more/],
  ])("refuses %o with a one-line error", async (options, message) => {
    await expect(openIndexer({ root: root(), ...options })).rejects.toMatchObject({
      code: "LEDGER_INVALID_OPTION",
      message: expect.stringMatching(message),
    });
  });
});
