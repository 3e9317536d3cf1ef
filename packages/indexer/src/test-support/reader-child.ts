// Queries the published index in a loop until `stop` appears under the root, then prints what
// it saw as JSON: queries run, lock errors, other errors, and snapshots that were inconsistent.
// While `pause` exists it holds no snapshot (and says so with `paused`), so another process can
// open the index read-write.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openIndexReader } from "../index.js";

const [root] = process.argv.slice(2) as [string];
const reader = openIndexReader({ root });
const seen = { queries: 0, lockErrors: 0, errors: [] as string[], partial: 0, maxEvents: 0 };
while (!existsSync(join(root, "stop"))) {
  if (existsSync(join(root, "pause"))) {
    reader.close();
    writeFileSync(join(root, "paused"), "");
    while (existsSync(join(root, "pause"))) await new Promise((r) => setTimeout(r, 5));
    rmSync(join(root, "paused"), { force: true });
    continue;
  }
  try {
    // One snapshot: the trial rows must match the trial pointers, whatever publication is under way.
    const [row] = await reader.query(
      `SELECT (SELECT count(*) FROM trial_results) AS trials,
              (SELECT count(*) FROM event_pointers WHERE event_type = 'trial.recorded') AS pointers,
              (SELECT count(*) FROM event_pointers) AS events`,
    );
    seen.queries++;
    if (Number(row?.trials) !== Number(row?.pointers)) seen.partial++;
    seen.maxEvents = Math.max(seen.maxEvents, Number(row?.events));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/lock/i.test(message)) seen.lockErrors++;
    else if (!/no index at/.test(message)) seen.errors.push(message);
  }
}
reader.close();
process.stdout.write(`${JSON.stringify(seen)}\n`);
