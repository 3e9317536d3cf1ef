import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { fsyncPathSync, type LogFile } from "@ledger/writer";
import { RetentionCheckpointError } from "../errors.js";
import { INDEX_DATABASES, type IndexDatabase } from "../projections/define.js";
import { firstLine, sqlIdent, sqlString } from "../sql.js";

/** Manifest of a retention checkpoint: what it holds and which part of the log it stands for. */
export interface RetentionCheckpoint {
  format: 1;
  /** Folder name under `index/checkpoints/`; newer checkpoints sort later. */
  name: string;
  createdMs: number;
  /** Day folders whose parts retention deleted once this checkpoint (or an earlier one) held them. */
  deletedDays: string[];
  /** Every log part the index had taken in, with how far: the rebuild carries on from here. */
  covers: Record<string, number>;
  tables: { database: IndexDatabase; table: string; file: string; rows: number; sha256: string }[];
}

const MANIFEST = "_manifest.json";
/** Kept so that a checkpoint found damaged is not the only one. */
const KEEP = 2;
/** Rebuilt by the indexer's setup, not restored: it records what built the index. */
const NOT_RESTORED = new Set(["index_meta"]);

export function checkpointsDir(indexDir: string): string {
  return join(indexDir, "checkpoints");
}

/** The newest checkpoint's manifest, or undefined when retention never deleted anything. */
export function newestCheckpoint(indexDir: string): RetentionCheckpoint | undefined {
  const names = listCheckpoints(indexDir);
  const name = names.at(-1);
  return name === undefined ? undefined : readManifest(indexDir, name);
}

export function listCheckpoints(indexDir: string): string[] {
  try {
    return fs
      .readdirSync(checkpointsDir(indexDir))
      .filter((n) => /^\d{13}-\d+$/.test(n))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function readManifest(indexDir: string, name: string): RetentionCheckpoint {
  const path = join(checkpointsDir(indexDir), name, MANIFEST);
  try {
    return JSON.parse(fs.readFileSync(path, "utf8")) as RetentionCheckpoint;
  } catch (error) {
    throw new RetentionCheckpointError(`checkpoint ${name} has no readable manifest: ${firstLine(error)}`);
  }
}

/**
 * Writes the published index as Parquet, one file per table, with a manifest: into a temporary
 * folder, each file fsynced and read back, then renamed into place. Refuses, and writes nothing,
 * unless the index has taken in every byte of the parts about to be deleted: a checkpoint that
 * missed some would lose their runs for good once the parts are gone.
 */
export async function writeCheckpoint(
  indexDir: string,
  deleting: { days: string[]; files: LogFile[] },
): Promise<RetentionCheckpoint> {
  const previous = newestCheckpoint(indexDir);
  const createdMs = Date.now();
  const name = `${createdMs}-${(previous ? Number(previous.name.split("-")[1]) : 0) + 1}`;
  const dir = join(checkpointsDir(indexDir), name);
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const db = await attachPublished(indexDir);
  try {
    const covers = await coveredParts(db.connection);
    for (const file of deleting.files) {
      const taken = covers[file.logicalRel];
      const size = file.compressed ? undefined : fs.statSync(file.path).size;
      if (taken === undefined || (size !== undefined && taken < size))
        throw new RetentionCheckpointError(
          `the index has not taken in all of ${file.rel}; update the index before deleting it`,
        );
    }
    const tables: RetentionCheckpoint["tables"] = [];
    for (const { database, table } of await baseTables(db.connection)) {
      const file = `${database}.${table}.parquet`;
      const path = join(tmp, file);
      const source = `${sqlIdent(database)}.${sqlIdent(table)}`;
      await db.connection.run(`COPY (SELECT * FROM ${source}) TO ${sqlString(path)} (FORMAT parquet)`);
      fsyncPathSync(path);
      const rows = await count(db.connection, `SELECT count(*) FROM ${source}`);
      tables.push({ database, table, file, rows, sha256: sha256Of(path) });
    }
    const manifest: RetentionCheckpoint = {
      format: 1,
      name,
      createdMs,
      deletedDays: [...new Set([...(previous?.deletedDays ?? []), ...deleting.days])].sort(),
      covers,
      tables,
    };
    fs.writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    fsyncPathSync(join(tmp, MANIFEST));
    await verifyFiles(db.connection, tmp, manifest);
    fsyncPathSync(tmp);
    fs.renameSync(tmp, dir);
    fsyncPathSync(checkpointsDir(indexDir));
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error instanceof RetentionCheckpointError
      ? error
      : new RetentionCheckpointError(`could not write the checkpoint: ${firstLine(error)}`);
  } finally {
    db.close();
  }
  for (const old of listCheckpoints(indexDir).slice(0, -KEEP))
    fs.rmSync(join(checkpointsDir(indexDir), old), { recursive: true, force: true });
  return readManifest(indexDir, name);
}

/**
 * Checks a checkpoint as a rebuild would use it: manifest readable, every file present, with the
 * bytes it was written with, and as many rows as it says. Throws `RetentionCheckpointError`.
 */
export async function verifyCheckpoint(indexDir: string, name: string): Promise<RetentionCheckpoint> {
  const manifest = readManifest(indexDir, name);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await verifyFiles(connection, join(checkpointsDir(indexDir), name), manifest);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return manifest;
}

async function verifyFiles(connection: DuckDBConnection, dir: string, manifest: RetentionCheckpoint) {
  for (const t of manifest.tables) {
    const path = join(dir, t.file);
    if (!fs.existsSync(path))
      throw new RetentionCheckpointError(`checkpoint ${manifest.name} lacks ${t.file}`);
    if (sha256Of(path) !== t.sha256)
      throw new RetentionCheckpointError(
        `checkpoint ${manifest.name}: ${t.file} is damaged (sha256 differs)`,
      );
    let rows: number;
    try {
      rows = await count(connection, `SELECT count(*) FROM read_parquet(${sqlString(path)})`);
    } catch (error) {
      throw new RetentionCheckpointError(
        `checkpoint ${manifest.name}: ${t.file} is unreadable: ${firstLine(error)}`,
      );
    }
    if (rows !== t.rows)
      throw new RetentionCheckpointError(
        `checkpoint ${manifest.name}: ${t.file} holds ${rows} rows, its manifest says ${t.rows}`,
      );
  }
}

/**
 * Loads a checkpoint into freshly set-up databases attached on `connection` (as `runs`,
 * `catalog`, `alerts`). Tables a projection no longer has are skipped; columns are matched by
 * name. Returns what the runs database now holds, for the rebuild's accounting.
 */
export async function restoreCheckpoint(
  connection: DuckDBConnection,
  indexDir: string,
  manifest: RetentionCheckpoint,
): Promise<{ events: number; duplicates: number }> {
  const dir = join(checkpointsDir(indexDir), manifest.name);
  await verifyFiles(connection, dir, manifest);
  const present = new Set((await baseTables(connection)).map((t) => `${t.database}.${t.table}`));
  for (const t of manifest.tables) {
    if (!present.has(`${t.database}.${t.table}`)) continue;
    await connection.run(
      `INSERT INTO ${sqlIdent(t.database)}.${sqlIdent(t.table)} BY NAME
       SELECT * FROM read_parquet(${sqlString(join(dir, t.file))})`,
    );
  }
  const rows = (table: string) =>
    manifest.tables.find((t) => t.database === "runs" && t.table === table)?.rows;
  return { events: rows("event_pointers") ?? 0, duplicates: rows("duplicate_events") ?? 0 };
}

/** Whether the log has lost parts the checkpoint holds: only then does a rebuild start from it. */
export function logLacksCheckpointParts(manifest: RetentionCheckpoint, files: readonly LogFile[]): boolean {
  const present = new Set(files.map((f) => f.logicalRel));
  return Object.keys(manifest.covers).some((file) => !present.has(file));
}

async function attachPublished(indexDir: string) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    for (const database of INDEX_DATABASES) {
      const path = join(indexDir, `${database}.duckdb`);
      await connection.run(`ATTACH ${sqlString(path)} AS ${sqlIdent(database)} (READ_ONLY)`);
    }
  } catch (error) {
    close();
    throw new RetentionCheckpointError(`the published index cannot be read: ${firstLine(error)}`);
  }
  return { connection, close };
}

async function coveredParts(connection: DuckDBConnection): Promise<Record<string, number>> {
  const reader = await connection.runAndReadAll(
    "SELECT file, bytes FROM runs.ingest_checkpoints ORDER BY file",
  );
  return Object.fromEntries(reader.getRows().map(([file, bytes]) => [String(file), Number(bytes)]));
}

async function baseTables(connection: DuckDBConnection) {
  const reader = await connection.runAndReadAll(
    `SELECT database_name, table_name FROM duckdb_tables()
     WHERE database_name IN (${INDEX_DATABASES.map(sqlString).join(", ")}) AND NOT temporary
     ORDER BY database_name, table_name`,
  );
  return reader
    .getRows()
    .map(([database, table]) => ({ database: String(database) as IndexDatabase, table: String(table) }))
    .filter((t) => !NOT_RESTORED.has(t.table));
}

async function count(connection: DuckDBConnection, sql: string): Promise<number> {
  return Number((await connection.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
}

function sha256Of(path: string): string {
  return createHash("sha256").update(fs.readFileSync(path)).digest("hex");
}
