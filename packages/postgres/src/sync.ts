import { join } from "node:path";
import {
  IndexMissingError,
  type IndexOffsets,
  type IndexReader,
  openIndexReader,
  runRecords,
  runsChangedSince,
} from "@ledger/indexer";
import { ledgerPaths } from "@ledger/schema";
import type pg from "pg";
import { readCheckpoint, sameOffsets, writeCheckpoint } from "./checkpoint.js";
import { checkUrl, connectClient, describe, isTransient } from "./connect.js";
import { readCopyBatch, STAGING, writeCopyBatch } from "./copy-rows.js";
import { PostgresConnectError, PostgresOptionError, PostgresSyncError } from "./errors.js";
import { lagBehindLog, type PgSyncLag } from "./lag.js";
import { SYNC_LOCK } from "./locks.js";
import { migrate } from "./migrate.js";
import { PROJECTION } from "./projection.js";
import { type WriteCounts, writeRuns } from "./write-rows.js";

export interface PgSyncOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** The ledger root whose published index is mirrored. */
  root: string;
  /** Where the published index is. @default `{root}/index` */
  indexDir?: string;
  /** Runs read from the index and copied into PostgreSQL at a time. @default 20000 */
  batchRuns?: number;
}

/** The steps of a sync, as `SyncReport.steps` times them. */
export type SyncStep = "begin" | "offsets" | "changed" | "read" | "copy" | "checkpoint" | "commit";

/** What one sync did. */
export interface SyncReport extends WriteCounts {
  /** Runs the index changed since the last sync (each re-read; `runs` counts those that differed). */
  changed: number;
  /** Whether the checkpoint moved: false when the index had nothing new. */
  advanced: boolean;
  /**
   * Whether the mirror was rebuilt from the index (emptied and written whole, in the same
   * transaction) because its rows were derived by another projection than this ledger's.
   */
  rebuilt: boolean;
  durationMs: number;
  /**
   * Wall-clock ms of each step: `begin` (transaction, lock, stored checkpoint), `offsets` (the
   * index's, opening a new publication), `changed` (which runs), `read` (waiting for DuckDB's
   * rows, beyond what overlapped a write), `copy` (COPY and upsert), `checkpoint`, `commit`.
   */
  steps: Partial<Record<SyncStep, number>>;
}

/**
 * Mirrors the published index's runs into PostgreSQL. Each `sync()` is one PostgreSQL
 * transaction that writes the rows of every run the index changed since the stored checkpoint
 * together with the new checkpoint, under an advisory lock: a crash at any point leaves either
 * all of it or none, and two syncs at once take turns.
 */
export class PgSync {
  readonly #options: PgSyncOptions;
  readonly #reader: IndexReader;
  readonly #batch: number;
  #client: pg.Client | undefined;
  /** The sync running now, if any. */
  #running: Promise<SyncReport> | undefined;
  /** The checkpoint PostgreSQL was last seen to hold, and when it was committed. */
  #held: { offsets: IndexOffsets; syncedAt: string | null } | undefined;

  private constructor(options: PgSyncOptions) {
    this.#options = options;
    this.#batch = options.batchRuns ?? 20_000;
    this.#reader = openIndexReader({
      root: options.root,
      keepInstance: true,
      ...(options.indexDir ? { indexDir: options.indexDir } : {}),
    });
  }

  /**
   * Connects and brings the tables to the newest version; an unreachable server is an error at
   * once. A server that answered and then went away mid-migration (restarted, say) is not: the
   * first sync connects again and migrates, under the same retries as any sync.
   */
  static async open(options: PgSyncOptions): Promise<PgSync> {
    checkUrl(options.url);
    if (options.batchRuns !== undefined && !(Number.isInteger(options.batchRuns) && options.batchRuns > 0)) {
      throw new PostgresOptionError(`batchRuns must be a whole number over 0, got ${options.batchRuns}`);
    }
    const sync = new PgSync(options);
    try {
      await sync.#connect();
    } catch (error) {
      if (!(error instanceof PostgresConnectError) && isTransient(error)) return sync;
      await sync.close();
      throw error;
    }
    return sync;
  }

  /** Brings PostgreSQL up to the published index, in one transaction. */
  sync(): Promise<SyncReport> {
    const running = this.#syncOnce();
    this.#running = running;
    const clear = () => {
      if (this.#running === running) this.#running = undefined;
    };
    running.then(clear, clear);
    return running;
  }

  /** Resolves once no sync is running: at once when none is. Never rejects. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => {});
  }

  async #syncOnce(): Promise<SyncReport> {
    const started = performance.now();
    if (!this.#reader.exists()) throw new IndexMissingError(join(this.#indexDir(), "runs.duckdb"));
    const client = await this.#connect();
    const report: SyncReport = {
      runs: 0,
      phases: 0,
      artifacts: 0,
      escaped: 0,
      changed: 0,
      advanced: false,
      rebuilt: false,
      durationMs: 0,
      steps: {},
    };
    const step = async <T>(name: SyncStep, run: () => Promise<T>): Promise<T> => {
      const at = performance.now();
      try {
        return await run();
      } finally {
        report.steps[name] = (report.steps[name] ?? 0) + performance.now() - at;
      }
    };
    try {
      const { previous, stored: held } = await step("begin", async () => {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1, $2)", [...SYNC_LOCK]);
        const state = await client.query<{ projection: string | null; synced_at: Date }>(
          "SELECT projection, synced_at FROM ledger_sync_state",
        );
        return { previous: state.rows[0], stored: await readCheckpoint(client) };
      });
      let stored = held;
      this.#held = { offsets: stored, syncedAt: previous?.synced_at.toISOString() ?? null };
      // Offsets first, rows after: the rows are then as new as the offsets or newer, so what the
      // checkpoint claims is always in PostgreSQL (newer rows are read again next time).
      const current: IndexOffsets = await step("offsets", async () => ({
        runs: await this.#reader.checkpoints("runs"),
        catalog: this.#reader.has("catalog") ? await this.#reader.checkpoints("catalog") : new Map(),
      }));
      if (previous && previous.projection !== PROJECTION) {
        // DELETE rather than TRUNCATE: readers keep the old rows, not a lock wait, until COMMIT.
        for (const table of ["ledger_artifacts", "ledger_phases", "ledger_runs", "ledger_sync_checkpoints"])
          await client.query(`DELETE FROM ${table}`);
        stored = { runs: new Map(), catalog: new Map() };
        report.rebuilt = true;
      } else if (sameOffsets(stored, current)) {
        await client.query("ROLLBACK");
        return { ...report, durationMs: performance.now() - started };
      }
      const ids = await step("changed", () => runsChangedSince(this.#reader, stored, current));
      report.changed = ids.length;
      await client.query(STAGING);
      // The next batch is read from DuckDB while PostgreSQL writes this one.
      const read = (from: number) => {
        const batch = readCopyBatch(this.#reader, ids.slice(from, from + this.#batch));
        batch.catch(() => {}); // awaited below; a write failing first must not leave it unhandled
        return batch;
      };
      const add = (counts: WriteCounts) => {
        report.runs += counts.runs;
        report.phases += counts.phases;
        report.artifacts += counts.artifacts;
        report.escaped += counts.escaped;
      };
      let next = read(0);
      for (let i = 0; i < ids.length; i += this.#batch) {
        const batch = await step("read", () => next);
        if (i + this.#batch < ids.length) next = read(i + this.#batch);
        // The few runs holding a value PostgreSQL refuses as it is are escaped value by value.
        if (batch.held.length > 0) add(await writeRuns(client, await runRecords(this.#reader, batch.held)));
        add(await step("copy", () => writeCopyBatch(client, batch)));
      }
      await step("checkpoint", async () => {
        await writeCheckpoint(client, stored, current);
        await client.query(
          `INSERT INTO ledger_sync_state (synced_at, runs_written, escaped_values, projection)
           VALUES (now(), $1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET synced_at = now(), projection = excluded.projection,
             runs_written = ledger_sync_state.runs_written + excluded.runs_written,
             escaped_values = ledger_sync_state.escaped_values + excluded.escaped_values`,
          [report.runs, report.escaped, PROJECTION],
        );
      });
      await step("commit", () => client.query("COMMIT"));
      this.#held = { offsets: current, syncedAt: new Date().toISOString() };
      report.advanced = true;
      report.durationMs = performance.now() - started;
      return report;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      if (isTransient(error)) {
        // The connection is gone: the next attempt opens a new one.
        this.#drop();
        throw error;
      }
      if (error instanceof Error && "code" in error && String(error.code).startsWith("LEDGER_")) throw error;
      throw new PostgresSyncError(`sync failed: ${describe(error)}`, { cause: error });
    } finally {
      // Between syncs the index's files are not held, so the indexer may reuse them.
      await this.#reader.release({ all: true }).catch(() => {});
    }
  }

  /**
   * Lets go of index files a newer publication has replaced, once the DuckDB query running now
   * ends. An indexer in the same process calls it before each round: DuckDB's file locks do not
   * stop a process from writing a file it also reads, so only this keeps the round from reusing
   * a generation the sync is reading.
   */
  release(): Promise<void> {
    return this.#reader.release();
  }

  /**
   * How far PostgreSQL is behind the log, measured now from the log's files and the checkpoint
   * this sync last saw committed (no query: it answers while PostgreSQL is away, counting what
   * piles up meanwhile). Undefined before the first sync has read the checkpoint.
   */
  lag(): PgSyncLag | undefined {
    const held = this.#held;
    return held && lagBehindLog(this.#options.root, held.offsets, held.syncedAt);
  }

  async close(): Promise<void> {
    this.#reader.close();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  #indexDir(): string {
    return this.#options.indexDir ?? ledgerPaths(this.#options.root).index;
  }

  /**
   * The connection, opened afresh after a failure with the tables brought to the newest version:
   * a server that crashed, or was restored from a backup, may have lost the tables or their last
   * migration, and a sync that assumed them would fail on every retry.
   */
  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = await connectClient(this.#options.url, "ledger pg-sync");
    try {
      await migrate(client);
    } catch (error) {
      await client.end().catch(() => {});
      // A connection lost mid-migration is retried like any other; the wrapper would hide it.
      const cause = (error as { cause?: unknown }).cause;
      throw isTransient(cause) ? cause : error;
    }
    this.#client = client;
    return client;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => {});
  }
}

export function openPgSync(options: PgSyncOptions): Promise<PgSync> {
  return PgSync.open(options);
}
