// `followPgSync` until SIGTERM/SIGINT, as `ledger pg-sync --follow` runs it, but with one run per
// statement so that each sync's transaction lasts long enough for a crash test to hit it. Prints
// `open` once connected (a loaded machine takes seconds to load the sources), the report at the end.
import { followPgSync } from "../follow.js";

const [url, root] = process.argv.slice(2) as [string, string];
const controller = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => controller.abort());
const report = await followPgSync({
  url,
  root,
  batchRuns: 1,
  pollMs: 50,
  backoffMs: 50,
  signal: controller.signal,
  onOpen: () => process.stdout.write("open\n"),
});
process.stdout.write(`${JSON.stringify(report)}\n`);
