import { FileLock } from "@ledger/writer";
import { IndexerLockedError } from "./errors.js";

const LOCK_POLL_MS = 200;

/** Takes `{target}.lock`, polling for up to `waitMs` while another indexer holds it. */
export async function acquireLock(target: string, waitMs: number): Promise<FileLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = FileLock.tryAcquire(target);
    if (lock) return lock;
    if (Date.now() >= deadline) {
      const owner = FileLock.owner(target);
      const who = owner ? ` (pid ${owner.pid} on ${owner.host})` : "";
      throw new IndexerLockedError(`another indexer is running${who}; only one may write the index`);
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}
