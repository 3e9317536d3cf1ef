// Runs incremental updates in a loop (or one full rebuild), for kill -9 tests.
import { openIndexer } from "../index.js";

const [root, mode] = process.argv.slice(2) as [string, string];
const indexer = await openIndexer({ root, batchBytes: 64 * 1024, waitForLockMs: 10_000 });
process.stdout.write("open\n");
if (mode === "rebuild") await indexer.rebuild();
else for (;;) await indexer.update();
await indexer.close();
