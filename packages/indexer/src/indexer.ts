import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { BIGINT, type DuckDBConnection, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import {
  DEFAULT_MAX_LINE_BYTES,
  dayDirName,
  defaultCatalogue,
  type EventCatalogue,
  isDay,
  ledgerPaths,
} from "@ledger/schema";
import { type FileLock, type LogFile, listLogFiles } from "@ledger/writer";
import { asIndexWriteError, IndexCheckError } from "./errors.js";
import { type ApplyCounts, applyToDatabase, scalar } from "./ingest/apply.js";
import { Batch, type BatchFile } from "./ingest/batch.js";
import { handoffLines, QuietRanges, readLines } from "./ingest/handoff.js";
import { planRound } from "./ingest/plan.js";
import { scanGzip, scanPlain } from "./ingest/scan-file.js";
import { stageBatch } from "./ingest/stage.js";
import { type IndexLag, measureLag } from "./lag.js";
import { acquireLock } from "./lock.js";
import type { IndexerOptions, IngestReport } from "./options.js";
import { checkIndexerOptions, DEFAULT_BATCH_BYTES } from "./options-check.js";
import { coreProjections } from "./projections/core.js";
import { databaseOf, INDEX_DATABASES, type IndexDatabase, type Projection } from "./projections/define.js";
import { IndexReader } from "./reader.js";
import { firstLine, sqlIdent, sqlString } from "./sql.js";
import { readCheckpoints } from "./store/checkpoints.js";
import { closeEngine, type Engine, openEngine } from "./store/engine.js";
import { forgetSince } from "./store/forget-since.js";
import { Generations } from "./store/generations.js";
import { INDEX_FORMAT, internalTables } from "./store/internal-tables.js";
import {
  logLacksCheckpointParts,
  newestCheckpoint,
  type RetentionCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
} from "./store/retention-checkpoint.js";

/**
 * The row group size of full rebuilds. DuckDB's default (122,880) rebuilt 1M events at about
 * 69k events/s against 98k at 8,192; 4,096 and 16,384 were no faster (one-off runs).
 */
const ROW_GROUP_SIZE = 8_192;
/**
 * The row group size of incremental rounds: the smallest DuckDB allows. A round's rows start a
 * new row group once the last one holds this many, so each checkpoint rewrites at most this
 * many rows per table (about 8% off a 1,000-event round against 8,192). Rebuilds keep
 * `ROW_GROUP_SIZE`, which they need to run at full speed.
 */
const ROUND_ROW_GROUP_SIZE = 2_048;

/**
 * The only writer of the index. Holds `index/indexer.lock` while open; `update()` folds in what
 * the log gained since the last round, `rebuild()` builds the index again from the log, and both
 * publish new read-only snapshots that readers pick up without waiting.
 */
export class Indexer {
  readonly #paths: ReturnType<typeof ledgerPaths>;
  readonly #indexDir: string;
  readonly #projections: readonly Projection[];
  readonly #catalogue: EventCatalogue;
  readonly #options: IndexerOptions;
  readonly #lock: FileLock;
  readonly #engine: Engine;
  readonly #generations: Record<IndexDatabase, Generations>;
  /** What each file's published checkpoint is, after the last round. */
  #consumed = new Map<string, number>();
  /** File sizes seen at the start of the last round: an unchanged log needs no round. */
  #lastSizes: string | undefined;
  /** Stretches of the log with no event for a database: it need not catch up on them. */
  readonly #quiet = new QuietRanges();
  /** The generation each database has attached this round, with its inode. */
  readonly #attached = new Map<IndexDatabase, { path: string; inode: number }>();
  /** Inodes of generation files set up by this indexer or found built with its projections. */
  readonly #checked = new Set<number>();
  #closed = false;
  /**
   * Whether a generation may hold rows readers do not have: true at open (a crash may have
   * left one) and after a failed round, false once a round has published.
   */
  #mayHoldUnpublished = true;

  private constructor(options: IndexerOptions, lock: FileLock, engine: Engine) {
    this.#options = options;
    this.#paths = ledgerPaths(options.root);
    this.#indexDir = options.indexDir ?? this.#paths.index;
    this.#projections = options.projections ?? coreProjections;
    this.#catalogue = options.catalogue ?? defaultCatalogue();
    this.#lock = lock;
    this.#engine = engine;
    const published = (db: IndexDatabase) => join(this.#indexDir, `${db}.duckdb`);
    this.#generations = {
      runs: new Generations(this.#indexDir, "runs", published("runs")),
      catalog: new Generations(this.#indexDir, "catalog", published("catalog")),
      alerts: new Generations(this.#indexDir, "alerts", published("alerts")),
    };
  }

  static async open(options: IndexerOptions): Promise<Indexer> {
    checkIndexerOptions(options);
    const indexDir = options.indexDir ?? ledgerPaths(options.root).index;
    fs.mkdirSync(indexDir, { recursive: true, mode: 0o700 });
    const lock = await acquireLock(join(indexDir, "indexer"), options.waitForLockMs ?? 0);
    try {
      const names = new Set<string>();
      for (const p of options.projections ?? coreProjections) {
        if (names.has(p.name)) throw new IndexCheckError(`two projections are named ${p.name}`);
        names.add(p.name);
      }
      return new Indexer(options, lock, await openEngine(options, indexDir));
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Folds in the log's new bytes and publishes. Rebuilds instead when the projections changed. */
  update(): Promise<IngestReport> {
    return this.#guarded(() => this.#update(false));
  }

  /**
   * Brings both generations of every database up to the log. Call it before deleting parts (as
   * retention does): a generation that lags behind would otherwise never get their lines.
   */
  settle(): Promise<IngestReport> {
    return this.#guarded(async () => {
      const first = await this.#update(true);
      const second = await this.#update(true);
      return {
        ...second,
        events: first.events + second.events,
        duplicates: first.duplicates + second.duplicates,
        quarantined: first.quarantined + second.quarantined,
        bytes: first.bytes + second.bytes,
        files: first.files + second.files,
        durationMs: first.durationMs + second.durationMs,
      };
    });
  }

  /** Runs a round; if it fails, every generation is detached before the error goes to the caller. */
  async #guarded(round: () => Promise<IngestReport>): Promise<IngestReport> {
    try {
      return await round();
    } catch (error) {
      await this.#recover();
      throw asIndexWriteError(error);
    }
  }

  /** `everyDatabase`: write and publish all three databases, even with nothing new for them. */
  async #update(everyDatabase: boolean): Promise<IngestReport> {
    this.#assertOpen();
    const published =
      this.#mayHoldUnpublished || this.#consumed.size === 0 ? await this.#publishedCheckpoints() : undefined;
    if (published && this.#consumed.size === 0) this.#consumed = published.runs;
    const started = performance.now();
    const files = listLogFiles(this.#paths.events);
    const sizes = files.map((f) => `${f.rel}:${fs.statSync(f.path, { throwIfNoEntry: false })?.size}`);
    const signature = sizes.join("|");
    if (signature === this.#lastSizes && !everyDatabase) return emptyReport("incremental", started);
    const empty = await this.#attachAll("incremental");
    const stale = await this.#staleReason(empty);
    if (stale) {
      await this.#detachAll(new Set());
      const report = await this.#rebuild({});
      return { ...report, reason: stale };
    }
    const unpublished =
      this.#mayHoldUnpublished && published ? await this.#unpublishedDatabases(published) : [];
    const dirty = new Set(
      INDEX_DATABASES.filter(
        (db) => everyDatabase || db === "runs" || empty.has(db) || unpublished.includes(db),
      ),
    );
    const report = await this.#ingestAndPublish(files, "incremental", started, 2, dirty);
    this.#lastSizes = signature;
    return report;
  }

  /**
   * Without `sinceDate`: builds every database again from the whole log beside the live ones,
   * checks them and publishes them. With it: drops what the index holds from the partitions of
   * that day and later, and reads those partitions again.
   */
  rebuild(options: { sinceDate?: string } = {}): Promise<IngestReport> {
    return this.#guarded(() => this.#rebuild(options));
  }

  async #rebuild(options: { sinceDate?: string }): Promise<IngestReport> {
    this.#assertOpen();
    const started = performance.now();
    const files = listLogFiles(this.#paths.events);
    this.#lastSizes = undefined;
    if (options.sinceDate !== undefined) {
      if (!isDay(options.sinceDate))
        throw new IndexCheckError(`--since-date must be YYYY-MM-DD, got "${options.sinceDate}"`);
      const empty = await this.#attachAll("incremental");
      const stale = await this.#staleReason(empty);
      if (stale) {
        await this.#detachAll(new Set());
        return { ...(await this.#rebuild({})), reason: stale };
      }
      for (const db of INDEX_DATABASES) await forgetSince(this.#connection, db, options.sinceDate);
      return this.#ingestAndPublish(files, "since", started, 2, new Set(INDEX_DATABASES));
    }
    await this.#attachAll("full");
    // Parts retention deleted live on only in its checkpoint: start from it, then read the log
    // from where it stopped, as an incremental round would.
    const checkpoint = newestCheckpoint(this.#indexDir);
    const restored =
      checkpoint && logLacksCheckpointParts(checkpoint, files)
        ? await restoreCheckpoint(this.#connection, this.#indexDir, checkpoint)
        : undefined;
    const report = await this.#ingestAndPublish(
      files,
      "full",
      started,
      1,
      new Set(INDEX_DATABASES),
      restored,
    );
    return checkpoint && restored ? { ...report, restoredFrom: checkpoint.name } : report;
  }

  /**
   * Before retention deletes `days` (folder names, `day=YYYY-MM-DD`): writes the published index
   * as a checkpoint that full rebuilds start from once those parts are gone. Call `settle()`
   * first; it refuses if the index has not taken in every byte of those days.
   */
  checkpointForRetention(days: readonly string[]): Promise<RetentionCheckpoint> {
    this.#assertOpen();
    const wanted = new Set(days);
    const files = listLogFiles(this.#paths.events).filter((f) => wanted.has(dayDirName(f.day)));
    return writeCheckpoint(this.#indexDir, { days: [...days], files });
  }

  /** Bytes and lines of the log not yet in the published index. */
  lag(): IndexLag {
    return measureLag(listLogFiles(this.#paths.events), (file) => this.#consumed.get(file));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#detachAll(new Set()).catch(() => {});
    closeEngine(this.#engine);
    this.#lock.release();
  }

  /** The runs database's connection, which also stages each batch. */
  get #connection(): DuckDBConnection {
    return this.#engine.connections.runs;
  }

  get #connections(): Record<IndexDatabase, DuckDBConnection> {
    return this.#engine.connections;
  }

  /**
   * After a failed round, every generation is detached, so the next round starts clean: one
   * left attached (a round that failed while attaching) or one DuckDB invalidated (a checkpoint
   * that hit a full disk) would fail every later round. What was committed stays in the
   * unpublished generations, which the next round carries on from.
   */
  async #recover(): Promise<void> {
    this.#mayHoldUnpublished = true;
    this.#attached.clear();
    await this.#connection.run("USE memory").catch(() => {});
    for (const db of INDEX_DATABASES) {
      await this.#connection.run(`DETACH DATABASE IF EXISTS ${sqlIdent(db)}`).catch(() => {});
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new IndexCheckError("the indexer is closed");
  }

  /** Checkpoints of each published database: what readers have now (empty if unpublished). */
  async #publishedCheckpoints(): Promise<Record<IndexDatabase, Map<string, number>>> {
    const reader = new IndexReader({ root: this.#options.root, indexDir: this.#indexDir });
    try {
      return {
        runs: await reader.checkpoints("runs"),
        catalog: await reader.checkpoints("catalog"),
        alerts: await reader.checkpoints("alerts"),
      };
    } finally {
      reader.close();
    }
  }

  /**
   * After a round that may have been cut short (at open, after a failure), the databases besides
   * runs that must be published whatever this round holds: one never published (a kill between
   * the first round's renames), and one whose generation has taken in more of the log than its
   * published file (a kill or a failure after it was committed, before it was published). Otherwise readers would
   * wait for an event of their types to see what is already indexed.
   */
  async #unpublishedDatabases(published: Record<IndexDatabase, Map<string, number>>) {
    const databases = INDEX_DATABASES.filter((db) => db !== "runs");
    const never = databases.filter((db) => !this.#generations[db].isPublished());
    const attached = await readCheckpoints(this.#connection);
    const ahead = databases.filter((db) =>
      [...attached[db]].some(([file, point]) => point.bytes > (published[db].get(file) ?? 0)),
    );
    return [...new Set([...never, ...ahead])];
  }

  /** Attaches a generation of each database; returns the ones that are new and were set up. */
  async #attachAll(mode: "incremental" | "full"): Promise<Set<IndexDatabase>> {
    const fresh = new Set<IndexDatabase>();
    // Each database's generations are its own folder: the three are attached at once.
    // Settled, not raced: a failure must not leave another database's attach still running.
    const outcomes = await Promise.allSettled(
      INDEX_DATABASES.map(async (db) => {
        const attach = (path: string) => this.#attach(db, path, mode);
        const gens = this.#generations[db];
        const prepared = mode === "full" ? await gens.fresh(attach) : await gens.prepare(attach);
        if (prepared.empty) fresh.add(db);
      }),
    );
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
    const unchecked = INDEX_DATABASES.filter((db) => !fresh.has(db) && !this.#isChecked(db));
    let present = new Set<string>();
    if (unchecked.length > 0) {
      const initialised = await this.#connection.runAndReadAll(
        "SELECT database_name FROM duckdb_tables() WHERE table_name = 'index_meta'",
      );
      present = new Set(initialised.getRows().map(([name]) => String(name)));
    }
    const empty = new Set(
      INDEX_DATABASES.filter((db) => fresh.has(db) || (unchecked.includes(db) && !present.has(db))),
    );
    for (const db of empty) await this.#setup(db);
    return empty;
  }

  /** Whether the attached generation of `db` is one this indexer set up or found current. */
  #isChecked(db: IndexDatabase): boolean {
    return this.#checked.has(this.#inodeOf(db));
  }

  #markChecked(db: IndexDatabase): void {
    this.#checked.add(this.#inodeOf(db));
  }

  #inodeOf(db: IndexDatabase): number {
    return this.#attached.get(db)?.inode ?? -1;
  }

  async #attach(db: IndexDatabase, path: string, mode: "incremental" | "full"): Promise<boolean> {
    const rowGroupSize = mode === "full" ? ROW_GROUP_SIZE : ROUND_ROW_GROUP_SIZE;
    try {
      await this.#connections[db].run(
        `ATTACH ${sqlString(path)} AS ${sqlIdent(db)} (ROW_GROUP_SIZE ${rowGroupSize})`,
      );
      this.#attached.set(db, { path, inode: fs.statSync(path).ino });
      return true;
    } catch (error) {
      if (/lock/i.test(firstLine(error))) return false;
      throw error;
    }
  }

  /** Detaches every database; those in `publish` are checkpointed and published first. */
  async #detachAll(publish: ReadonlySet<IndexDatabase>): Promise<void> {
    await this.#connection.run("USE memory");
    // In a fixed order, runs first: readers see the other two at most one round apart from it.
    const attached = INDEX_DATABASES.flatMap((db) => {
      const path = this.#attached.get(db)?.path;
      return path === undefined ? [] : [[db, path] as const];
    });
    await Promise.all(
      attached
        .filter(([db]) => publish.has(db))
        .map(([db]) => this.#connections[db].run(`CHECKPOINT ${sqlIdent(db)}`)),
    );
    for (const [db, path] of attached) {
      await this.#connection.run(`DETACH ${sqlIdent(db)}`);
      this.#attached.delete(db);
      if (publish.has(db)) this.#generations[db].publish(path);
    }
  }

  #projectionsOf(db: IndexDatabase): Projection[] {
    return this.#projections.filter((p) => databaseOf(p) === db);
  }

  /** What the index was built with: when it changes, the index must be rebuilt from the log. */
  #fingerprint(db: IndexDatabase): string {
    const shape = {
      format: INDEX_FORMAT,
      projections: this.#projectionsOf(db).map((p) => [p.name, p.eventTypes, p.setup, p.apply]),
      handoff: db === "runs" ? this.#handoff() : [],
      catalogue: this.#catalogue.definitions().map((d) => `${d.type}@${d.version}`),
    };
    return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 32);
  }

  /** Each other database with the event types it projects: what `handoff_pointers` keeps. */
  #handoff(): [IndexDatabase, string][] {
    const pairs = new Set<string>();
    for (const p of this.#projections) {
      const db = databaseOf(p);
      if (db !== "runs") for (const type of p.eventTypes) pairs.add(`${db}\n${type}`);
    }
    return [...pairs].sort().map((pair) => pair.split("\n") as [IndexDatabase, string]);
  }

  async #setup(db: IndexDatabase): Promise<void> {
    await this.#connection.run(`USE ${sqlIdent(db)}`);
    for (const statement of internalTables(db)) await this.#connection.run(statement);
    for (const projection of this.#projectionsOf(db)) {
      for (const statement of projection.setup) await this.#connection.run(statement);
    }
    await this.#connection.run(
      `INSERT OR REPLACE INTO index_meta VALUES ('fingerprint', ${sqlString(this.#fingerprint(db))}),
       ('format', '${INDEX_FORMAT}'), ('built_ms', CAST(epoch_ms(now()) AS VARCHAR))`,
    );
    this.#markChecked(db);
  }

  async #staleReason(empty: ReadonlySet<IndexDatabase>): Promise<string | undefined> {
    // A generation checked once stays current: only this indexer writes it while it holds the lock.
    const built = INDEX_DATABASES.filter((db) => !empty.has(db) && !this.#isChecked(db));
    if (built.length === 0) return undefined;
    const stored = await this.#connection.runAndReadAll(
      built
        .map(
          (db) => `SELECT ${sqlString(db)}, value FROM ${sqlIdent(db)}.index_meta WHERE key = 'fingerprint'`,
        )
        .join(" UNION ALL "),
    );
    const fingerprints = new Map(stored.getRows().map(([db, value]) => [String(db), String(value)]));
    for (const db of built) {
      if (fingerprints.get(db) !== this.#fingerprint(db)) {
        return `the ${db} index was built with other projections or event types`;
      }
    }
    for (const db of built) this.#markChecked(db);
    return undefined;
  }

  /**
   * `dirty`: the databases written and published whatever the batch holds. Any other database
   * is written only if the round has events of its types, and otherwise left as published.
   */
  async #ingestAndPublish(
    files: LogFile[],
    mode: IngestReport["mode"],
    started: number,
    keepGenerations: number,
    dirty: Set<IndexDatabase>,
    restored?: { events: number; duplicates: number },
  ): Promise<IngestReport> {
    // On failure, `#guarded` detaches everything unpublished.
    const carried =
      mode === "incremental" && this.#mayHoldUnpublished ? await this.#unpublishedCounts() : undefined;
    const { report, consumed } = await this.#ingest(files, mode, dirty);
    if (restored) {
      report.events += restored.events;
      report.duplicates += restored.duplicates;
    }
    if (mode === "full") await this.#check(report);
    await this.#markArchived(files, consumed);
    await this.#detachAll(dirty);
    this.#consumed = consumed;
    this.#mayHoldUnpublished = false;
    for (const db of dirty) this.#generations[db].prune(keepGenerations);
    if (carried) {
      report.events += carried.events;
      report.duplicates += carried.duplicates;
      report.quarantined += carried.quarantined;
    }
    return { ...report, published: true, durationMs: performance.now() - started };
  }

  async #ingest(
    files: LogFile[],
    mode: IngestReport["mode"],
    dirty: Set<IndexDatabase>,
  ): Promise<{ report: IngestReport; consumed: Map<string, number> }> {
    const points = await readCheckpoints(this.#connection);
    // Only a database behind the runs database on some file, in a stretch not known to hold
    // nothing for it, can need lines from before the round.
    const behindOn = new Map<IndexDatabase, [string, number, number][]>();
    for (const db of this.#attached.keys()) {
      if (db === "runs") continue;
      const stretches = [...points.runs]
        .map(([file, p]): [string, number, number] => [file, points[db].get(file)?.bytes ?? 0, p.bytes])
        .filter(([file, from, to]) => !this.#quiet.covers(db, file, from, to));
      if (stretches.length > 0) behindOn.set(db, stretches);
    }
    const handoff = await handoffLines(this.#connection, [...behindOn.keys()]);
    for (const [db, stretches] of behindOn) {
      for (const [file, from, to] of stretches) {
        if (!handoff.needed.has(`${db}\n${file}`)) this.#quiet.add(db, file, from, to);
      }
    }
    const report = emptyReport(mode, performance.now());
    const { work, catchUp } = planRound(files, points.runs, handoff.lines);
    const bytesTotal = work.reduce((n, w) => n + (w.file.compressed ? w.size : w.size - w.from), 0);
    const batchBytes = this.#options.batchBytes ?? DEFAULT_BATCH_BYTES;
    const maxLineBytes = this.#options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    const handoffPairs = this.#handoff();
    let batch = new Batch(this.#catalogue);
    let pending: Promise<void> = Promise.resolve();
    const consumed = new Map<string, number>();
    for (const [file, point] of points.runs) consumed.set(file, point.bytes);
    // Bytes read of the plain file being scanned: `report.bytes` counts a file once it is done,
    // and progress would otherwise stand still through a single large part.
    let inFile = 0;
    const send = () => {
      const bytesDone = report.bytes + inFile;
      const full = batch;
      batch = new Batch(this.#catalogue);
      const previous = pending;
      pending = previous.then(async () => {
        await stageBatch(this.#connection, full);
        const writing = INDEX_DATABASES.filter(
          (db) =>
            dirty.has(db) || this.#projectionsOf(db).some((p) => p.eventTypes.some((t) => full.types.has(t))),
        );
        for (const db of writing) dirty.add(db);
        const counts = await Promise.all(
          writing.map((db) =>
            applyToDatabase(
              this.#connections[db],
              {
                database: db,
                projections: this.#projectionsOf(db),
                minEventId: full.minEventId,
                batchTypes: full.types,
                quarantines: full.quarantine.length > 0,
                handoff: handoffPairs,
              },
              this.#options.trace !== undefined,
            ),
          ),
        );
        for (const c of counts) {
          report.events += c.events;
          report.duplicates += c.duplicates;
          report.quarantined += c.quarantined;
        }
        for (const f of full.files) consumed.set(f.file, Math.max(consumed.get(f.file) ?? 0, f.bytes));
        this.#options.onProgress?.({ bytesDone, bytesTotal, events: report.events });
      });
      // A failure surfaces at the next await of `pending`; keep it from being unhandled meanwhile.
      pending.catch(() => {});
      return previous;
    };
    const metaOf = (file: LogFile, size: number): Omit<BatchFile, "bytes"> => ({
      file: file.logicalRel,
      sourceBytes: size,
      compressed: file.compressed,
      publishedBytes: mode === "full" ? 0 : (this.#consumed.get(file.logicalRel) ?? 0),
    });
    // Lines lagging databases need from before this round's start. A split batch records, as
    // its checkpoint, the offset of the next line still to come, so a crash between batches
    // leaves each database with a checkpoint it has everything before.
    for (const { file, lines, to, size } of catchUp) {
      const meta = metaOf(file, size);
      batch.beginFile(meta, 0);
      let i = 0;
      for (const [text, line] of readLines(file.path, lines)) {
        batch.line(text, line.offset, line.length);
        report.bytes += line.length;
        const next = lines[++i];
        if (next && batch.bytes >= batchBytes) {
          batch.advance(next.offset);
          await send();
          batch.beginFile(meta, 0);
        }
      }
      batch.advance(to);
    }
    for (const { file, from, size } of work) {
      report.files++;
      const meta = metaOf(file, size);
      batch.beginFile(meta, from);
      const between = async (at: number) => {
        // A gzipped part's offsets count decompressed bytes, not the compressed bytes of the total.
        if (!file.compressed) inFile = at - from;
        batch.advance(at);
        if (batch.bytes < batchBytes) return;
        await send();
        batch.beginFile(meta, at);
      };
      const options = {
        maxLineBytes,
        sink: {
          line: (text: string, offset: number, length: number) => {
            batch.line(text, offset, length);
          },
          tooLarge: (offset: number, length: number) => {
            batch.tooLarge(offset, length);
          },
        },
        between,
      };
      const end = file.compressed
        ? await scanGzip(file.path, from, options)
        : await scanPlain(file.path, from, options);
      batch.advance(end);
      inFile = 0;
      report.bytes += file.compressed ? size : end - from;
    }
    await send();
    await pending;
    for (const db of INDEX_DATABASES) {
      if (db === "runs" || dirty.has(db)) continue;
      for (const { file, from } of work)
        this.#quiet.add(db, file.logicalRel, from, consumed.get(file.logicalRel) ?? 0);
    }
    return { report, consumed };
  }

  /**
   * What the attached runs generation holds past the published checkpoints: rows a round
   * committed but could not publish (it failed, or the process died). This round publishes them
   * without reading their lines again, so they are counted here, once.
   */
  async #unpublishedCounts(): Promise<ApplyCounts> {
    const beyond = (table: string) =>
      `SELECT count(*) FROM runs.${table} t LEFT JOIN published p USING (file) WHERE t.byte_offset >= coalesce(p.bytes, 0)`;
    const row = (
      await this.#connection.runAndReadAll(
        `WITH published AS (SELECT unnest($files) AS file, unnest($bytes) AS bytes)
         SELECT (${beyond("event_pointers")}), (${beyond("duplicate_events")}), (${beyond("quarantine")})`,
        {
          files: listValue([...this.#consumed.keys()]),
          bytes: listValue([...this.#consumed.values()].map((b) => BigInt(b))),
        },
        // Typed, for when nothing has been published yet and the lists are empty.
        { files: LIST(VARCHAR), bytes: LIST(BIGINT) },
      )
    ).getRows()[0];
    return {
      events: Number(row?.[0] ?? 0),
      duplicates: Number(row?.[1] ?? 0),
      quarantined: Number(row?.[2] ?? 0),
    };
  }

  /**
   * Parts the index took in that are gone from the log (deleted by retention) are archived.
   * `consumed` holds the files this round's runs generation has checkpoints for.
   */
  async #markArchived(files: LogFile[], consumed: Map<string, number>): Promise<void> {
    const present = new Set(files.map((f) => f.logicalRel));
    const gone = [...consumed.keys()].filter((file) => !present.has(file));
    if (gone.length === 0) return;
    await this.#connection.run(
      `INSERT INTO runs.archived_files
       SELECT file, epoch_ms(now()) FROM runs.ingest_checkpoints WHERE file IN (SELECT unnest($gone))
       ON CONFLICT (file) DO NOTHING`,
      { gone: listValue(gone) },
    );
  }

  /** A rebuilt index is published only if every accepted line is accounted for. */
  async #check(report: IngestReport): Promise<void> {
    const indexed = Number(await scalar(this.#connection, "SELECT count(*) FROM runs.event_pointers"));
    const dups = Number(await scalar(this.#connection, "SELECT count(*) FROM runs.duplicate_events"));
    if (indexed !== report.events || dups !== report.duplicates) {
      throw new IndexCheckError(
        `rebuilt index holds ${indexed} events and ${dups} duplicates, expected ${report.events} and ${report.duplicates}; not published`,
      );
    }
  }
}

function emptyReport(mode: IngestReport["mode"], started: number): IngestReport {
  return {
    mode,
    events: 0,
    duplicates: 0,
    quarantined: 0,
    bytes: 0,
    files: 0,
    published: false,
    durationMs: performance.now() - started,
  };
}

/** Opens the index's single writer; fails with `IndexerLockedError` if another holds it. */
export function openIndexer(options: IndexerOptions): Promise<Indexer> {
  return Indexer.open(options);
}
