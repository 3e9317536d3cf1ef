import { chmodSync, copyFileSync, linkSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * Not a product: DuckDB alone writing one round's rows into a copy of ledger's own index, to
 * bound what any incremental round that writes those tables can cost here. The rows of ledger's
 * last round (every table it touched, both databases) are staged in memory beforehand, untimed,
 * with fresh ids, so nothing is parsed, validated, deduplicated or counted; each table gets one
 * plain INSERT (or one-column upsert where ledger upserts). What is timed is the storage work:
 *
 * - `cold`: as ledger publishes (readers must open a file no writer holds), attach a generation
 *   file, insert, COMMIT, CHECKPOINT, detach, hard-link + rename it over the published name.
 * - `warm`: the same database left attached across rounds; insert, COMMIT, CHECKPOINT only. No
 *   reader could open it meanwhile: it shows what the publication model itself costs.
 */
const WRITES: Record<"runs" | "catalog", [table: string, where: string, conflict?: string][]> = {
  runs: [
    ["event_pointers", "run_id IN (SELECT run_id FROM round)"],
    [
      "handoff_pointers",
      "event_id IN (SELECT event_id FROM src.event_pointers WHERE run_id IN (SELECT run_id FROM round))",
    ],
    ["runs_d", "run_id IN (SELECT run_id FROM round)", "(run_id) DO UPDATE SET run_type = excluded.run_type"],
    [
      "runs_status",
      "run_id IN (SELECT run_id FROM round)",
      "(run_id) DO UPDATE SET status = excluded.status",
    ],
    [
      "phase_timings",
      "run_id IN (SELECT run_id FROM round)",
      "(run_id, phase) DO UPDATE SET started_ms = excluded.started_ms",
    ],
    ["trial_results", "run_id IN (SELECT run_id FROM round)"],
    ["ingest_checkpoints", "true", "(file) DO UPDATE SET bytes = excluded.bytes"],
  ],
  catalog: [
    ["event_pointers", "run_id IN (SELECT run_id FROM round)"],
    [
      "run_pointers",
      "run_id IN (SELECT run_id FROM round)",
      "(run_id) DO UPDATE SET created_ms = excluded.created_ms",
    ],
    ["ingest_checkpoints", "true", "(file) DO UPDATE SET bytes = excluded.bytes"],
  ],
};
type Db = keyof typeof WRITES;
const DBS = Object.keys(WRITES) as Db[];

/** Column lists of a staged table, with ids made new for round `r`. */
async function renamed(c: DuckDBConnection, table: string, r: number): Promise<string> {
  const cols = (await c.runAndReadAll(`SELECT column_name FROM (DESCRIBE stage.${table})`)).getRows();
  return cols
    .map(([name]) => String(name))
    .map((n) => (n === "run_id" || n === "event_id" ? `${n} || '-f${r}' AS ${n}` : n))
    .join(", ");
}

/**
 * Times `rounds` floor rounds on copies of the published index under `root`, staged from the
 * round ledger wrote last (the two newest runs). Returns each round's ms.
 */
export async function floorRounds(root: string, rounds: number, mode: "cold" | "warm"): Promise<number[]> {
  const work = mkdtempSync(join(root, "floor-"));
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: "128MB",
    storage_compatibility_version: "v1.4.0",
  });
  const connections = { runs: await instance.connect(), catalog: await instance.connect() };
  const c = connections.runs;
  try {
    await c.run("ATTACH ':memory:' AS stage");
    for (const db of DBS) {
      await c.run(`ATTACH '${join(root, "index", `${db}.duckdb`)}' AS src (READ_ONLY)`);
      await c.run(
        "CREATE OR REPLACE TEMP TABLE round AS SELECT run_id FROM src.event_pointers WHERE event_type = 'run.created' ORDER BY timestamp_ms DESC LIMIT 2",
      );
      for (const [table, where] of WRITES[db]) {
        await c.run(`CREATE TABLE stage.${db}_${table} AS SELECT * FROM src.${table} WHERE ${where}`);
      }
      await c.run("DETACH src");
    }
    const published = (db: Db) => join(work, `${db}.duckdb`);
    for (const db of DBS) {
      copyFileSync(join(root, "index", `${db}.duckdb`), published(db));
      chmodSync(published(db), 0o644); // published files are read-only; this copy is written
    }
    const script = async (db: Db, r: number) => {
      const statements = ["BEGIN TRANSACTION"];
      for (const [table, , conflict] of WRITES[db]) {
        const cols = await renamed(c, `${db}_${table}`, r);
        statements.push(
          `INSERT INTO ${db}.${table} SELECT ${cols} FROM stage.${db}_${table}${conflict ? ` ON CONFLICT ${conflict}` : ""}`,
        );
      }
      return `${statements.join(";\n")};\nCOMMIT`;
    };
    const attach = (db: Db, path: string) =>
      connections[db].run(`ATTACH '${path}' AS ${db} (ROW_GROUP_SIZE 2048)`);
    if (mode === "warm") for (const db of DBS) await attach(db, published(db));
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const scripts = Object.fromEntries(await Promise.all(DBS.map(async (db) => [db, await script(db, r)])));
      const gen = (db: Db) => join(work, `${db}.g${r}.duckdb`);
      if (mode === "cold") for (const db of DBS) copyFileSync(published(db), gen(db));
      const started = performance.now();
      await Promise.all(
        DBS.map(async (db) => {
          if (mode === "cold") await attach(db, gen(db));
          await connections[db].run(scripts[db]!);
          await connections[db].run(`CHECKPOINT ${db}`);
        }),
      );
      if (mode === "cold") {
        for (const db of DBS) {
          await c.run(`DETACH ${db}`);
          linkSync(gen(db), `${published(db)}.tmp`);
          renameSync(`${published(db)}.tmp`, published(db));
        }
      }
      times.push(performance.now() - started);
      if (mode === "cold") for (const db of DBS) rmSync(gen(db));
    }
    return times;
  } finally {
    for (const conn of Object.values(connections)) conn.closeSync();
    instance.closeSync();
    rmSync(work, { recursive: true, force: true });
  }
}
