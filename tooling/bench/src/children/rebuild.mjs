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
// Every log file, as a DuckDB glob inside a SQL string literal.
const glob = join(root, "events", "*", "*.jsonl").replaceAll("'", "''");
if (contestant === "ledger" || contestant === "ledger-native") {
  const indexer = await openIndexer({
    root,
    fullRebuildReader: contestant === "ledger-native" ? "native" : "javascript",
  });
  events = (await indexer.rebuild()).events;
  await indexer.close();
} else if (contestant === "floor") {
  // Not a product: DuckDB alone writing the two biggest tables ledger's index must hold (event
  // pointers, typed trial metrics) straight from the log, validating nothing and computing no
  // byte offsets, in the fastest setting found (rows in any order, each table streamed from its
  // own scan, 150 MB of buffers: 100 MB runs out of memory). What it takes bounds what any
  // rebuild that writes those tables can reach here.
  const db = join(root, "floor.duckdb");
  rmSync(db, { force: true });
  const instance = await DuckDBInstance.create(db, {
    preserve_insertion_order: "false",
    memory_limit: "150MB",
  });
  const c = await instance.connect();
  const lines = `read_csv('${glob}', columns={'line':'VARCHAR'}, header=false, delim=E'\\x01', quote='',
    escape='', auto_detect=false, new_line='\\n', filename=true)`;
  await c.run(
    `CREATE TABLE event_pointers AS SELECT e.*, filename AS file, strlen(line) AS byte_length FROM (
       SELECT json_transform(line, '{"event_id":"VARCHAR","event_type":"VARCHAR","schema_version":"INTEGER",
         "run_id":"VARCHAR","seq":"BIGINT","timestamp_ms":"BIGINT"}') AS e, filename, line FROM ${lines})`,
  );
  await c.run(
    `CREATE TABLE trial_results AS SELECT b.* FROM (
       SELECT json_transform(line, '{"run_id":"VARCHAR","trial_id":"VARCHAR","params":"JSON",
         "metrics":"MAP(VARCHAR, DOUBLE)","timestamp_ms":"BIGINT","event_id":"VARCHAR"}') AS b
       FROM ${lines} WHERE json_extract_string(line, '$.event_type') = 'trial.recorded')`,
  );
  await c.run("CHECKPOINT");
  const reader = await c.runAndReadAll("SELECT count(*) FROM event_pointers");
  events = Number(reader.getRows()[0]?.[0]);
  c.closeSync();
  instance.closeSync();
} else {
  // The seeds' indexer: every table rebuilt from a glob over the whole log, one scan per table.
  const db = join(root, "seeds.duckdb");
  rmSync(db, { force: true });
  const instance = await DuckDBInstance.create(db);
  const c = await instance.connect();
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
