import { afterEach } from "vitest";
import type { Indexer } from "../indexer.js";
import { type IndexReader, openIndexReader } from "../reader.js";
import { makeRoot } from "./workload.js";

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A temporary ledger root, removed after the test. */
export function tempRoot(): string {
  const { root, rm } = makeRoot();
  cleanups.push(rm);
  return root;
}

/** Closes the indexer after the test, even when it fails. */
export function track(indexer: Indexer): Indexer {
  cleanups.push(() => indexer.close());
  return indexer;
}

export function reader(root: string): IndexReader {
  const r = openIndexReader({ root });
  cleanups.push(() => r.close());
  return r;
}

/** All rows of a query, as plain JSON. */
export async function rows(r: IndexReader, sql: string, params: (string | number)[] = []) {
  return r.query(sql, params);
}
