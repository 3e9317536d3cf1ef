import { join } from "node:path";
import { afterEach } from "vitest";
import { type Indexer, openIndexer } from "../indexer.js";
import { type IndexReader, openIndexReader } from "../reader.js";
import { indexDigest } from "./index-digest.js";
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

/**
 * The digest of a full rebuild of the same log into `{root}/rebuilt`, by a second indexer (its
 * own index folder, so its own lock): what an incrementally built index must equal.
 */
export async function rebuiltDigest(root: string): Promise<Record<string, string>> {
  const indexDir = join(root, "rebuilt");
  const rebuilder = await openIndexer({ root, indexDir });
  try {
    await rebuilder.rebuild();
  } finally {
    await rebuilder.close();
  }
  const rebuilt = openIndexReader({ root, indexDir });
  try {
    return await indexDigest(rebuilt);
  } finally {
    rebuilt.close();
  }
}
