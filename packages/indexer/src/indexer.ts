import * as fs from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { dayDirName, defaultCatalogue, isDay, ledgerPaths } from "@ledger/schema";
import { type FileLock, type LogFile, listLogFiles } from "@ledger/writer";
import { asIndexWriteError, IndexCheckError } from "./errors.js";
import { QuietRanges } from "./ingest/handoff.js";
import { addCounts, addReports, emptyReport, ingestRound, type RoundContext } from "./ingest/round.js";
import { type IndexLag, measureLag } from "./lag.js";
import { acquireLock } from "./lock.js";
import type { IndexerOptions, IngestReport } from "./options.js";
import { checkIndexerOptions } from "./options-check.js";
import { coreProjections } from "./projections/core.js";
import { checkProjectionNames, INDEX_DATABASES, type IndexDatabase } from "./projections/define.js";
import { Attachments } from "./store/attachments.js";
import { closeEngine, type Engine, openEngine, useFor } from "./store/engine.js";
import { forgetSince } from "./store/forget-since.js";
import {
  logLacksCheckpointParts,
  newestCheckpoint,
  type RetentionCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
} from "./store/retention-checkpoint.js";
import {
  checkRebuilt,
  markArchived,
  publishedCheckpoints,
  unpublishedCounts,
  unpublishedDatabases,
} from "./store/unpublished.js";
import { timed } from "./trace.js";

/**
 * The only writer of the index. Holds `index/indexer.lock` while open; `update()` folds in what
 * the log gained since the last round, `rebuild()` builds the index again from the log, and both
 * publish new read-only snapshots that readers pick up without waiting.
 */
export class Indexer {
  readonly #paths: ReturnType<typeof ledgerPaths>;
  readonly #indexDir: string;
  readonly #options: IndexerOptions;
  readonly #lock: FileLock;
  readonly #engine: Engine;
  readonly #attachments: Attachments;
  /** What every round reads the log with and writes into. */
  readonly #round: RoundContext;
  /** What each file's published checkpoint is, after the last round. */
  #consumed = new Map<string, number>();
  /** File sizes seen at the start of the last round: an unchanged log needs no round. */
  #lastSizes: string | undefined;
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
    this.#lock = lock;
    this.#engine = engine;
    const projections = options.projections ?? coreProjections;
    const catalogue = options.catalogue ?? defaultCatalogue();
    this.#attachments = new Attachments(
      this.#indexDir,
      engine.connections,
      projections,
      catalogue,
      options.onPhase,
    );
    const quiet = new QuietRanges();
    this.#round = { connections: engine.connections, projections, catalogue, options, quiet };
  }

  static async open(options: IndexerOptions): Promise<Indexer> {
    checkIndexerOptions(options);
    const indexDir = options.indexDir ?? ledgerPaths(options.root).index;
    fs.mkdirSync(indexDir, { recursive: true, mode: 0o700 });
    const lock = await acquireLock(join(indexDir, "indexer"), options.waitForLockMs ?? 0);
    try {
      checkProjectionNames(options.projections ?? coreProjections);
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
      return addReports(first, await this.#update(true));
    });
  }

  /** Runs a round; if it fails, every generation is detached before the error goes to the caller. */
  async #guarded(round: () => Promise<IngestReport>): Promise<IngestReport> {
    try {
      return await round();
    } catch (error) {
      // What was committed stays in the unpublished generations, which the next round carries on from.
      this.#mayHoldUnpublished = true;
      await this.#attachments.detachAfterFailure();
      throw asIndexWriteError(error);
    }
  }

  /** `everyDatabase`: write and publish all three databases, even with nothing new for them. */
  async #update(everyDatabase: boolean): Promise<IngestReport> {
    this.#assertOpen();
    const onPhase = this.#options.onPhase;
    const published =
      this.#mayHoldUnpublished || this.#consumed.size === 0
        ? await timed(onPhase, "bookkeeping", () => publishedCheckpoints(this.#options.root, this.#indexDir))
        : undefined;
    if (published && this.#consumed.size === 0) this.#consumed = published.runs;
    const started = performance.now();
    const { files, signature } = await timed(onPhase, "list", () => {
      const files = listLogFiles(this.#paths.events);
      const sizes = files.map((f) => `${f.rel}:${fs.statSync(f.path, { throwIfNoEntry: false })?.size}`);
      return { files, signature: sizes.join("|") };
    });
    if (signature === this.#lastSizes && !everyDatabase) return emptyReport("incremental", started);
    await useFor(this.#engine, "round");
    const attached = await timed(onPhase, "attach", () => this.#attachOrRebuild());
    if ("rebuilt" in attached) return attached.rebuilt;
    const unpublished =
      this.#mayHoldUnpublished && published
        ? await timed(onPhase, "bookkeeping", () =>
            unpublishedDatabases(this.#connection, published, (db) => this.#attachments.isPublished(db)),
          )
        : [];
    const dirty = new Set(
      INDEX_DATABASES.filter(
        (db) => everyDatabase || db === "runs" || attached.empty.has(db) || unpublished.includes(db),
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
    await useFor(this.#engine, "rebuild");
    if (options.sinceDate !== undefined) {
      if (!isDay(options.sinceDate))
        throw new IndexCheckError(`sinceDate must be YYYY-MM-DD, got "${options.sinceDate}"`);
      const attached = await this.#attachOrRebuild();
      if ("rebuilt" in attached) return attached.rebuilt;
      for (const db of INDEX_DATABASES) await forgetSince(this.#connection, db, options.sinceDate);
      return this.#ingestAndPublish(files, "since", started, 2, new Set(INDEX_DATABASES));
    }
    await this.#attachments.attachAll("full");
    // Parts retention deleted live on only in its checkpoint: start from it, then read the log
    // from where it stopped, as an incremental round would.
    const checkpoint = newestCheckpoint(this.#indexDir);
    const restored =
      checkpoint && logLacksCheckpointParts(checkpoint, files)
        ? await restoreCheckpoint(this.#connection, this.#indexDir, checkpoint)
        : undefined;
    const all = new Set(INDEX_DATABASES);
    const report = await this.#ingestAndPublish(files, "full", started, 1, all, restored);
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
    await this.#attachments.detachAll(new Set()).catch(() => {});
    closeEngine(this.#engine);
    this.#lock.release();
  }

  /** The runs database's connection, which runs the statements that span databases. */
  get #connection(): DuckDBConnection {
    return this.#engine.connections.runs;
  }

  #assertOpen(): void {
    if (this.#closed) throw new IndexCheckError("the indexer is closed");
  }

  /**
   * Attaches a generation of each database for a round that carries on from the index. Returns
   * the ones that were new and set up, or, if the index was built with other projections or event
   * types, the report of the full rebuild done instead.
   */
  async #attachOrRebuild(): Promise<{ empty: Set<IndexDatabase> } | { rebuilt: IngestReport }> {
    const empty = await this.#attachments.attachAll("incremental");
    const stale = await this.#attachments.staleReason(empty);
    if (!stale) return { empty };
    await this.#attachments.detachAll(new Set());
    return { rebuilt: { ...(await this.#rebuild({})), reason: stale } };
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
    const onPhase = this.#options.onPhase;
    const carried =
      mode === "incremental" && this.#mayHoldUnpublished
        ? await timed(onPhase, "bookkeeping", () => unpublishedCounts(this.#connection, this.#consumed))
        : undefined;
    const { report, consumed } = await ingestRound(this.#round, files, mode, dirty, this.#consumed);
    if (restored) addCounts(report, restored);
    if (mode === "full") await checkRebuilt(this.#connection, report);
    await timed(onPhase, "bookkeeping", () => markArchived(this.#connection, files, consumed));
    await this.#attachments.detachAll(dirty);
    this.#consumed = consumed;
    this.#mayHoldUnpublished = false;
    for (const db of dirty) this.#attachments.prune(db, keepGenerations);
    if (carried) addCounts(report, carried);
    return { ...report, published: true, durationMs: performance.now() - started };
  }
}

/** Opens the index's single writer; fails with `IndexerLockedError` if another holds it. */
export function openIndexer(options: IndexerOptions): Promise<Indexer> {
  return Indexer.open(options);
}
