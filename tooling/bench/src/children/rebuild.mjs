// One full rebuild in its own process, so its peak memory is its own. Prints JSON. Plain
// JavaScript on the built packages, as `ledger rebuild-index` runs: no TypeScript loader in the
// process to add to its memory.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { openIndexer } from "@ledger/indexer";

const [contestant, root] = process.argv.slice(2);
const started = performance.now();
let events = 0;
if (contestant === "ledger") {
  const indexer = await openIndexer({ root });
  events = (await indexer.rebuild()).events;
  await indexer.close();
} else {
  // The seeds' indexer: every table rebuilt from a glob over the whole log, one scan per table.
  const db = join(root, "seeds.duckdb");
  rmSync(db, { force: true });
  const instance = await DuckDBInstance.create(db);
  const c = await instance.connect();
  const glob = join(root, "events", "*", "*.jsonl").replaceAll("'", "''");
  const src = `read_json_auto('${glob}', format='newline_delimited')`;
  await c.run(
    `CREATE OR REPLACE TABLE runs_d AS SELECT run_id, run_type, config, data_fingerprint, timestamp_ms FROM ${src} WHERE event_type = 'run.created'`,
  );
  await c.run(
    `CREATE OR REPLACE TABLE runs_status AS SELECT run_id, max(CASE WHEN event_type = 'run.started' THEN timestamp_ms END) AS started_ms, max(CASE WHEN event_type = 'run.completed' THEN timestamp_ms END) AS completed_ms, max(status) AS status FROM ${src} WHERE event_type IN ('run.started', 'run.completed') GROUP BY run_id`,
  );
  await c.run(
    `CREATE OR REPLACE TABLE phase_timings AS SELECT run_id, phase, duration_ms FROM ${src} WHERE event_type = 'phase.completed'`,
  );
  await c.run(
    `CREATE OR REPLACE TABLE trial_results AS SELECT run_id, trial_id, params, metrics FROM ${src} WHERE event_type = 'trial.recorded'`,
  );
  const reader = await c.runAndReadAll(`SELECT count(*) FROM ${src}`);
  events = Number(reader.getRows()[0]?.[0]);
  c.closeSync();
  instance.closeSync();
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, events, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
