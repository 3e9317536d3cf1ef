import * as fs from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { ledgerPaths } from "@ledger/schema";
import { IndexMissingError, IndexQueryError } from "./errors.js";
import type { IndexDatabase } from "./projections/define.js";
import { type Row, typedRows } from "./read/typed-rows.js";
import { firstLine, sqlString } from "./sql.js";

export interface IndexReaderOptions {
  root: string;
  /** Where the published databases are. @default `{root}/index` */
  indexDir?: string;
  /** Attempts when a publication races the open. @default 5 */
  retries?: number;
  /**
   * Queries that may run at once, each on its own connection to the snapshot, so a long query
   * (50,000 trials) does not hold up a short one (a run's summary). @default 4
   */
  connections?: number;
  /**
   * Queries may read the index and nothing else: no file read or written, no extension
   * installed or loaded, no setting changed. For SQL a user typed. @default false
   */
  indexOnly?: boolean;
  /**
   * One DuckDB instance for the reader's whole life, each publication attached in its place as
   * it comes, and queries run one at a time. For a process that follows publications (a mirror
   * syncing after each one): opening an instance per publication costs 20 to 250 ms, attaching
   * a file about 5. Not with `indexOnly`. @default false
   */
  keepInstance?: boolean;
}

/** Bound parameters: a list for `$1`, `$2`, … or `?`; an object for `$name`. */
type Params = DuckDBValue[] | Record<string, DuckDBValue>;

/** Queries that all read one snapshot: see `IndexReader.pinned`. */
export interface PinnedQueries {
  rows(sql: string, params?: Params): Promise<Row[]>;
  query(sql: string, params?: Params): Promise<Record<string, unknown>[]>;
}

interface Snapshot {
  inode: number;
  instance: DuckDBInstance;
  /** Connections no query is using. */
  idle: DuckDBConnection[];
  /** Connections made, idle or not. */
  made: number;
  /** Queries on this snapshot now. */
  running: number;
  /** Queries waiting for a connection, each told which one it gets. */
  waiting: ((connection: DuckDBConnection) => void)[];
  /** Newer data was published: closed once its last query ends. */
  retired: boolean;
}

/** The one instance of a `keepInstance` reader, and the inodes of the files it has attached. */
interface Kept {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** By database name; empty when nothing is attached. */
  inodes: Map<string, number>;
}

/**
 * Read-only access to the published index: `runs.duckdb`, with `catalog.duckdb` and
 * `alerts.duckdb` attached as `catalog` and `alerts`. Each query runs on the newest published
 * snapshot; a snapshot is kept open only while it is the newest, so the indexer can reuse it.
 */
export class IndexReader {
  #snapshot: Snapshot | undefined;
  readonly #dir: string;
  readonly #retries: number;
  readonly #indexOnly: boolean;
  readonly #connections: number;
  readonly #keepInstance: boolean;
  #kept: Promise<Kept> | undefined;
  /** With `keepInstance`, the queries in turn: each waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Watches the index folder while a snapshot is open (see `#watchPublications`). */
  #watcher: fs.FSWatcher | undefined;

  constructor(options: IndexReaderOptions) {
    this.#dir = options.indexDir ?? ledgerPaths(options.root).index;
    this.#retries = options.retries ?? 5;
    this.#indexOnly = options.indexOnly ?? false;
    this.#connections = Math.max(1, options.connections ?? 4);
    this.#keepInstance = options.keepInstance ?? false;
    if (this.#keepInstance && this.#indexOnly)
      throw new IndexQueryError("keepInstance attaches files as publications come, which indexOnly forbids");
  }

  /** Whether an index has been published. */
  exists(): boolean {
    return this.has("runs");
  }

  /** Whether `database` has been published (catalog and alerts appear with their first events). */
  has(database: IndexDatabase): boolean {
    return fs.existsSync(join(this.#dir, `${database}.duckdb`));
  }

  /**
   * Runs `sql` with bound `params` (`$1`, `$2`, … or `?` from a list; `$name` from an object).
   * Rows come typed by their columns (see `Row`): what the read model and `--json` output use.
   */
  async rows(sql: string, params: Params = []): Promise<Row[]> {
    return typedRows(await this.#run(sql, params));
  }

  /**
   * Like `rows`, in DuckDB's own JSON form: 64-bit integers as strings, JSON columns as their
   * text, timestamps as `YYYY-MM-DD HH:MM:SS.mmm`.
   */
  async query(sql: string, params: Params = []): Promise<Record<string, unknown>[]> {
    return (await this.#run(sql, params)).getRowObjectsJson();
  }

  /**
   * Runs `work` with queries that all read the snapshot that is newest when it starts, even if
   * newer data is published meanwhile: for an answer put together from several queries, which
   * may run at once on the snapshot's connections.
   */
  async pinned<T>(work: (queries: PinnedQueries) => Promise<T>): Promise<T> {
    return this.#hold(async (snapshot) =>
      work({
        rows: async (sql, params = []) => typedRows(await this.#runOn(snapshot, sql, params)),
        query: async (sql, params = []) => (await this.#runOn(snapshot, sql, params)).getRowObjectsJson(),
      }),
    );
  }

  #run(sql: string, params: Params) {
    if (this.#keepInstance)
      return this.#inTurn(async () => (await this.#attachNewest()).runAndReadAll(sql, params));
    return this.#hold((snapshot) => this.#runOn(snapshot, sql, params));
  }

  /** Keeps the newest snapshot open while `work` runs on it. */
  async #hold<T>(work: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    const snapshot = await this.#current();
    snapshot.running++;
    try {
      return await work(snapshot);
    } finally {
      snapshot.running--;
      if (snapshot.retired && snapshot.running === 0) closeSnapshot(snapshot);
    }
  }

  async #runOn(snapshot: Snapshot, sql: string, params: Params) {
    try {
      const connection = await this.#acquire(snapshot);
      try {
        return await connection.runAndReadAll(sql, params);
      } finally {
        this.#release(snapshot, connection);
      }
    } catch (error) {
      throw new IndexQueryError(firstLine(error), { cause: error });
    }
  }

  async #acquire(snapshot: Snapshot): Promise<DuckDBConnection> {
    const idle = snapshot.idle.pop();
    if (idle) return idle;
    if (snapshot.made < this.#connections) {
      snapshot.made++;
      try {
        return await snapshot.instance.connect();
      } catch (error) {
        snapshot.made--;
        throw error;
      }
    }
    return new Promise((resolve) => snapshot.waiting.push(resolve));
  }

  #release(snapshot: Snapshot, connection: DuckDBConnection): void {
    const next = snapshot.waiting.shift();
    if (next) next(connection);
    else snapshot.idle.push(connection);
  }

  /**
   * Bytes of each log file a published database has taken in; empty when it is not published.
   * @param database @default "runs"
   */
  async checkpoints(database: IndexDatabase = "runs"): Promise<Map<string, number>> {
    const map = new Map<string, number>();
    if (!this.exists() || !this.has(database)) return map;
    const table = database === "runs" ? "ingest_checkpoints" : `${database}.ingest_checkpoints`;
    for (const row of await this.query(`SELECT file, bytes FROM ${table}`)) {
      map.set(String(row.file), Number(row.bytes));
    }
    return map;
  }

  /**
   * Lets go of the published files once the queries running now have ended, so the indexer may
   * reuse them; the next query opens the newest. With `keepInstance`, only files a newer
   * publication has replaced are let go unless `all`: a reader holding the newest stands in no
   * one's way. For an indexer in the same process, where DuckDB's file locks do not keep it from
   * writing a file this reader reads.
   */
  async release(options: { all?: boolean } = {}): Promise<void> {
    // `pinned` opens snapshots as without `keepInstance`.
    this.#closeSnapshot();
    const kept = this.#kept;
    if (!kept) return;
    const stale = (k: Kept) =>
      options.all === true || [...k.inodes].some(([db, inode]) => inode !== this.#inode(db));
    // Holding only the newest: nothing to wait for.
    if (!stale(await kept)) return;
    await this.#inTurn(async () => {
      const k = await kept;
      if (stale(k)) await detachAll(k);
    });
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#closeSnapshot();
    const kept = this.#kept;
    this.#kept = undefined;
    // After the queries already queued, which would otherwise find their connection closed.
    if (kept)
      this.#queue = this.#queue.then(async () => {
        const k = await kept.catch(() => undefined);
        k?.connection.closeSync();
        k?.instance.closeSync();
      });
  }

  #inode(db: string): number | undefined {
    return fs.statSync(join(this.#dir, `${db}.duckdb`), { throwIfNoEntry: false })?.ino;
  }

  /** Runs `query` after the queries queued before it; a failure is this query's alone. */
  async #inTurn<T>(query: () => Promise<T>): Promise<T> {
    const turn = this.#queue.then(query);
    this.#queue = turn.catch(() => {});
    try {
      return await turn;
    } catch (error) {
      if (error instanceof IndexMissingError) throw error;
      throw new IndexQueryError(firstLine(error), { cause: error });
    }
  }

  /** The kept instance's connection, with the newest publication attached (`runs` its default). */
  async #attachNewest(): Promise<DuckDBConnection> {
    this.#kept ??= DuckDBInstance.create(":memory:").then(async (instance) => ({
      instance,
      connection: await instance.connect(),
      inodes: new Map<string, number>(),
    }));
    const kept = await this.#kept;
    for (let attempt = 0; ; attempt++) {
      const inode = this.#inode("runs");
      if (inode === undefined) throw new IndexMissingError(join(this.#dir, "runs.duckdb"));
      const others = ["catalog", "alerts"].filter(
        (db) => kept.inodes.has(db) || this.has(db as IndexDatabase),
      );
      if (kept.inodes.get("runs") === inode && others.every((db) => kept.inodes.get(db) === this.#inode(db)))
        return kept.connection;
      await detachAll(kept);
      try {
        // Each inode is read before its file is attached: a publication in between leaves a
        // newer file attached than recorded, which the next query attaches again.
        for (const db of ["runs", "catalog", "alerts"]) {
          const at = this.#inode(db);
          if (at === undefined) continue;
          await kept.connection.run(
            `ATTACH ${sqlString(join(this.#dir, `${db}.duckdb`))} AS ${db} (READ_ONLY)`,
          );
          kept.inodes.set(db, at);
          if (db === "runs") await kept.connection.run("USE runs");
        }
        return kept.connection;
      } catch (error) {
        await detachAll(kept).catch(() => {});
        if (attempt >= this.#retries) throw error;
        await new Promise((r) => setTimeout(r, 5 * (attempt + 1)));
      }
    }
  }

  async #current(): Promise<Snapshot> {
    const runs = join(this.#dir, "runs.duckdb");
    for (let attempt = 0; ; attempt++) {
      const inode = fs.statSync(runs, { throwIfNoEntry: false })?.ino;
      if (inode === undefined) throw new IndexMissingError(runs);
      if (this.#snapshot?.inode === inode) return this.#snapshot;
      this.#closeSnapshot();
      try {
        this.#snapshot = await this.#open(runs, inode);
        this.#watchPublications();
        return this.#snapshot;
      } catch (error) {
        // Published between our stat and open, or the file we opened was replaced: try the new one.
        if (attempt >= this.#retries) throw new IndexQueryError(firstLine(error), { cause: error });
        await new Promise((r) => setTimeout(r, 5 * (attempt + 1)));
      }
    }
  }

  async #open(runs: string, inode: number): Promise<Snapshot> {
    const instance = await DuckDBInstance.create(runs, { access_mode: "READ_ONLY" });
    try {
      const connection = await instance.connect();
      for (const db of ["catalog", "alerts"]) {
        const path = join(this.#dir, `${db}.duckdb`);
        if (fs.existsSync(path)) await connection.run(`ATTACH ${sqlString(path)} AS ${db} (READ_ONLY)`);
      }
      if (this.#indexOnly) {
        // After the attaches, which are file access themselves. Locked, so no query turns it back on.
        await connection.run("SET enable_external_access = false");
        await connection.run("SET lock_configuration = true");
      }
      return { inode, instance, idle: [connection], made: 1, running: 0, waiting: [], retired: false };
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * Lets go of the snapshot as soon as a publication replaces it, not at the next query: until
   * then it holds the generation the indexer's next round would reuse, and the round copies the
   * whole database instead (time that grows with the index). With a reader polling every 10 ms,
   * about 3 rounds in 10 copied. The watch does not keep a process with nothing else to do alive.
   */
  #watchPublications(): void {
    if (this.#watcher) return;
    try {
      this.#watcher = fs.watch(this.#dir, { persistent: false }, () => {
        const snapshot = this.#snapshot;
        if (snapshot && snapshot.inode !== this.#inode("runs")) this.#closeSnapshot();
      });
      this.#watcher.on("error", () => {
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch {
      // No watching on this file system: a replaced snapshot is let go at the next query.
    }
  }

  /** Lets go of the snapshot: at once, or when the queries still on it end. */
  #closeSnapshot(): void {
    const snapshot = this.#snapshot;
    if (!snapshot) return;
    this.#snapshot = undefined;
    snapshot.retired = true;
    if (snapshot.running === 0) closeSnapshot(snapshot);
  }
}

async function detachAll(kept: Kept): Promise<void> {
  if (kept.inodes.size === 0) return;
  await kept.connection.run("USE memory");
  for (const db of kept.inodes.keys()) await kept.connection.run(`DETACH ${db}`);
  kept.inodes.clear();
}

function closeSnapshot(snapshot: Snapshot): void {
  for (const connection of snapshot.idle.splice(0)) connection.closeSync();
  snapshot.instance.closeSync();
}

export function openIndexReader(options: IndexReaderOptions): IndexReader {
  return new IndexReader(options);
}
