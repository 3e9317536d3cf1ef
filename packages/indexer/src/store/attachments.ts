import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { EventCatalogue } from "@ledger/schema";
import { handoffPairs } from "../ingest/handoff.js";
import {
  INDEX_DATABASES,
  type IndexDatabase,
  type Projection,
  projectionsIn,
} from "../projections/define.js";
import { allSettled } from "../settled.js";
import { firstLine, sqlIdent, sqlString } from "../sql.js";
import { type RoundPhase, timed } from "../trace.js";
import { Generations } from "./generations.js";
import { INDEX_FORMAT, internalTables } from "./internal-tables.js";

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

export type AttachMode = "incremental" | "full";

/**
 * The generation of each index database that a round writes, attached to the indexer's DuckDB:
 * which generation to attach (a new one for a full rebuild), setting up one that is empty,
 * whether one was built with other projections, and, at the end of the round, detaching them
 * and publishing those the round wrote.
 */
export class Attachments {
  readonly #connections: Record<IndexDatabase, DuckDBConnection>;
  readonly #projections: readonly Projection[];
  readonly #catalogue: EventCatalogue;
  readonly #generations: Record<IndexDatabase, Generations>;
  /** The generation each database has attached this round, with its inode. */
  readonly #attached = new Map<IndexDatabase, { path: string; inode: number }>();
  /** Inodes of generation files set up by this indexer or found built with its projections. */
  readonly #checked = new Set<number>();

  constructor(
    indexDir: string,
    connections: Record<IndexDatabase, DuckDBConnection>,
    projections: readonly Projection[],
    catalogue: EventCatalogue,
    private readonly onPhase?: (phase: RoundPhase, ms: number) => void,
  ) {
    this.#connections = connections;
    this.#projections = projections;
    this.#catalogue = catalogue;
    const generations = (db: IndexDatabase) => new Generations(indexDir, db, join(indexDir, `${db}.duckdb`));
    this.#generations = {
      runs: generations("runs"),
      catalog: generations("catalog"),
      alerts: generations("alerts"),
    };
  }

  /** The runs database's connection, which also runs the statements that span databases. */
  get #connection(): DuckDBConnection {
    return this.#connections.runs;
  }

  /** Whether readers have a published file of `db` at all. */
  isPublished(db: IndexDatabase): boolean {
    return this.#generations[db].isPublished();
  }

  /** Keeps the newest `keep` generations of `db`. */
  prune(db: IndexDatabase, keep: number): void {
    this.#generations[db].prune(keep);
  }

  /** Attaches a generation of each database; returns the ones that are new and were set up. */
  async attachAll(mode: AttachMode): Promise<Set<IndexDatabase>> {
    const fresh = new Set<IndexDatabase>();
    // Each database's generations are its own folder: the three are attached at once.
    // Settled, not raced: a failure must not leave another database's attach still running.
    await allSettled(
      INDEX_DATABASES.map(async (db) => {
        const attach = (path: string) => this.#attach(db, path, mode);
        const gens = this.#generations[db];
        const prepared = mode === "full" ? await gens.fresh(attach) : await gens.prepare(attach);
        if (prepared.empty) fresh.add(db);
      }),
    );
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

  /**
   * Why the attached generations must be rebuilt from the log (built with other projections or
   * event types), or undefined. `empty`: the ones `attachAll` just set up.
   */
  async staleReason(empty: ReadonlySet<IndexDatabase>): Promise<string | undefined> {
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

  /** Detaches every database; those in `publish` are checkpointed and published first. */
  async detachAll(publish: ReadonlySet<IndexDatabase>): Promise<void> {
    await this.#connection.run("USE memory");
    // In a fixed order, runs first: readers see the other two at most one round apart from it.
    const attached = INDEX_DATABASES.flatMap((db) => {
      const path = this.#attached.get(db)?.path;
      return path === undefined ? [] : [[db, path] as const];
    });
    await timed(this.onPhase, "checkpoint", () =>
      allSettled(
        attached
          .filter(([db]) => publish.has(db))
          .map(([db]) => this.#connections[db].run(`CHECKPOINT ${sqlIdent(db)}`)),
      ),
    );
    for (const [db, path] of attached) {
      await timed(this.onPhase, "detach", () => this.#connection.run(`DETACH ${sqlIdent(db)}`));
      this.#attached.delete(db);
      if (publish.has(db)) await timed(this.onPhase, "publish", () => this.#generations[db].publish(path));
    }
  }

  /**
   * After a failed round, every generation is detached, so the next round starts clean: one
   * left attached (a round that failed while attaching) or one DuckDB invalidated (a checkpoint
   * that hit a full disk) would fail every later round. Failures to detach are ignored.
   */
  async detachAfterFailure(): Promise<void> {
    this.#attached.clear();
    const connections = Object.values(this.#connections);
    // A COMMIT whose checkpoint failed leaves its connection in an aborted transaction, which
    // would refuse every statement of the next round.
    for (const connection of connections) await connection.run("ROLLBACK").catch(() => {});
    // A database invalidated by a failed checkpoint refuses even `USE memory` on the connection
    // it is the default of, and DuckDB does not detach a connection's default database: such a
    // database is detached from another connection, after which its own can leave it.
    for (const db of INDEX_DATABASES) {
      for (const connection of connections) {
        await connection.run("USE memory").catch(() => {});
        const detached = await connection.run(`DETACH DATABASE IF EXISTS ${sqlIdent(db)}`).then(
          () => true,
          () => false,
        );
        if (detached) break;
      }
    }
    for (const connection of connections) {
      await connection.run("ROLLBACK").catch(() => {});
      await connection.run("USE memory").catch(() => {});
    }
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

  async #attach(db: IndexDatabase, path: string, mode: AttachMode): Promise<boolean> {
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

  /** What the index was built with: when it changes, the index must be rebuilt from the log. */
  #fingerprint(db: IndexDatabase): string {
    const shape = {
      format: INDEX_FORMAT,
      projections: projectionsIn(this.#projections, db).map((p) => [p.name, p.eventTypes, p.setup, p.apply]),
      handoff: db === "runs" ? handoffPairs(this.#projections) : [],
      catalogue: this.#catalogue.definitions().map((d) => `${d.type}@${d.version}`),
    };
    return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 32);
  }

  async #setup(db: IndexDatabase): Promise<void> {
    await this.#connection.run(`USE ${sqlIdent(db)}`);
    for (const statement of internalTables(db)) await this.#connection.run(statement);
    for (const projection of projectionsIn(this.#projections, db)) {
      for (const statement of projection.setup) await this.#connection.run(statement);
    }
    await this.#connection.run(
      `INSERT OR REPLACE INTO index_meta VALUES ('fingerprint', ${sqlString(this.#fingerprint(db))}),
       ('format', '${INDEX_FORMAT}'), ('built_ms', CAST(epoch_ms(now()) AS VARCHAR))`,
    );
    this.#markChecked(db);
  }
}
