import * as fs from "node:fs";
import { basename, join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import {
  baselineResults,
  indexSql,
  phaseTimings,
  type RunFilter,
  runFilterSql,
  runsD,
  runsStatus,
  trialResults,
} from "@ledger/indexer";
import { ledgerPaths, sqlString } from "@ledger/schema";
import { attachLegacy } from "./attach-legacy.js";
import { compareSides } from "./compare.js";
import { LegacyDatabaseError } from "./errors.js";
import { defaultLegacyLayout, type LegacyLayout, parseLegacyLayout } from "./layout.js";
import { checkLayoutAgainstLegacy } from "./layout-check.js";
import { legacySql } from "./legacy-sql.js";
import { type Conflict, findConflicts, type Parity } from "./parity.js";

export type Source = "legacy" | "index";

export type Query = (sql: string, params: Record<string, DuckDBValue>) => Promise<Record<string, unknown>[]>;

export interface DualModeOptions {
  /** The old system's DuckDB file; opened read-only, and only for the length of a query. */
  legacyDb: string;
  /** Ledger root whose published index is read. */
  root: string;
  /** Runs created before this instant come from the legacy database, the rest from the index. */
  cutover: Date;
  /**
   * Checked at open: its shape, then that every table and column it maps exists in the legacy
   * file. @default defaultLegacyLayout
   */
  layout?: LegacyLayout;
  /** @default `{root}/index` */
  indexDir?: string;
}

export interface RunRow {
  run_id: string;
  run_type: string | null;
  status: string;
  created_ms: number | null;
  started_ms: number | null;
  completed_ms: number | null;
  exit_code: number | null;
  source: Source;
}

/**
 * Both databases as one, split at the cutover by each run's creation time: before it the legacy
 * database answers, from it on the index does. That rule also settles a run present in both: the
 * side its creation time falls on wins, and `conflicts()` lists every such run whose answers
 * differ. Filters are always bound parameters. Each query attaches both files read-only and
 * detaches them after, so the adapter holds no lock on the legacy file between queries and never
 * keeps an old index generation alive.
 */
export class DualMode {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #options: DualModeOptions;
  readonly #layout: LegacyLayout;
  readonly #cutoverMs: number;
  readonly #indexPath: string;

  private constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    options: DualModeOptions,
    layout: LegacyLayout,
  ) {
    this.#instance = instance;
    this.#connection = connection;
    this.#options = options;
    this.#layout = layout;
    this.#cutoverMs = options.cutover.getTime();
    const runsDb = ledgerPaths(options.root).runsDb;
    this.#indexPath = options.indexDir ? join(options.indexDir, basename(runsDb)) : runsDb;
  }

  static async open(options: DualModeOptions): Promise<DualMode> {
    if (!fs.existsSync(options.legacyDb))
      throw new LegacyDatabaseError(`no legacy database at ${options.legacyDb}`);
    const layout = parseLegacyLayout(options.layout ?? defaultLegacyLayout);
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await attachLegacy(connection, options.legacyDb);
      await checkLayoutAgainstLegacy(connection, layout);
      await connection.run("DETACH legacy");
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
    return new DualMode(instance, connection, options, layout);
  }

  /**
   * Whether the index exists yet. Before the first index (a migration's first step) the index
   * side is empty: every query answers from the legacy side alone.
   */
  get hasIndex(): boolean {
    return fs.existsSync(this.#indexPath);
  }

  get cutover(): Date {
    return new Date(this.#cutoverMs);
  }

  /** SQL of the runs each side would answer with, as `legacy_runs` and `index_runs`, and `merged`. */
  #runCtes(): string {
    const columns = "run_id, run_type, status, created_ms, started_ms, completed_ms, exit_code";
    return `legacy_runs AS (SELECT ${columns} FROM (${legacySql(this.#layout).runs})),
      index_runs AS (SELECT ${columns} FROM (${indexSql("idx.").runs})),
      merged AS (
        SELECT *, 'legacy' AS source FROM legacy_runs WHERE created_ms < $cutover
        UNION ALL
        SELECT *, 'index' AS source FROM index_runs
        WHERE created_ms >= $cutover OR created_ms IS NULL
          OR run_id NOT IN (SELECT run_id FROM legacy_runs WHERE created_ms < $cutover))`;
  }

  /**
   * Attaches both files read-only, runs `work` with a query function over them, then detaches
   * them: one attachment however many statements a call needs.
   */
  async #attached<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const c = this.#connection;
    const attached: string[] = [];
    try {
      await attachLegacy(c, this.#options.legacyDb);
      attached.push("legacy");
      if (this.hasIndex) await c.run(`ATTACH ${sqlString(this.#indexPath)} AS idx (READ_ONLY)`);
      else await attachEmptyIndex(c);
      attached.push("idx");
      return await work(async (sql, params) => {
        // DuckDB refuses a named parameter the statement does not use.
        const bound = sql.includes("$cutover") ? { cutover: this.#cutoverMs, ...params } : params;
        const reader = await c.runAndReadAll(sql, bound);
        return reader.getRowObjectsJson() as Record<string, unknown>[];
      });
    } finally {
      for (const db of attached.reverse()) await c.run(`DETACH ${db}`).catch(() => {});
    }
  }

  #query(sql: string, params: Record<string, DuckDBValue>): Promise<Record<string, unknown>[]> {
    return this.#attached((query) => query(sql, params));
  }

  /** The run's row by the cutover rule, on an attachment already open. */
  async #statusOf(query: Query, runId: string): Promise<RunRow | undefined> {
    const [row] = await query(`WITH ${this.#runCtes()} SELECT * FROM merged WHERE run_id = $run_id`, {
      run_id: runId,
    });
    return row ? toRunRow(row) : undefined;
  }

  /** Runs from both sides by the cutover rule, newest first, each with its `source`. */
  async queryRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    const { where, params } = runFilterSql(filter);
    const rows = await this.#query(
      `WITH ${this.#runCtes()}
       SELECT * FROM merged ${where}
       ORDER BY created_ms DESC NULLS LAST, run_id LIMIT $limit::BIGINT`,
      params,
    );
    return rows.map(toRunRow);
  }

  /** One run's status by the cutover rule, or undefined when neither side knows it. */
  queryRunStatus(runId: string): Promise<RunRow | undefined> {
    return this.#attached((query) => this.#statusOf(query, runId));
  }

  /** Which side answers for this run. */
  async getSourceForRun(runId: string): Promise<Source | undefined> {
    return (await this.queryRunStatus(runId))?.source;
  }

  /** One run's rows from the side that answers for it (`sql[source]`, with `$run_id`), or none. */
  #fromSideOf(runId: string, sql: Record<Source, string>): Promise<Record<string, unknown>[]> {
    return this.#attached(async (query) => {
      const source = (await this.#statusOf(query, runId))?.source;
      return source === undefined ? [] : query(sql[source], { run_id: runId });
    });
  }

  /** The run's phases from the side that answers for it. */
  queryPhases(runId: string): Promise<Record<string, unknown>[]> {
    const columns = "phase, phase_order, started_ms, completed_ms, duration_ms";
    return this.#fromSideOf(runId, {
      index: `SELECT ${columns}, 'index' AS source FROM (${indexSql("idx.").phases}) ORDER BY phase_order, phase`,
      legacy: `SELECT ${columns}, 'legacy' AS source FROM (${legacySql(this.#layout).phases})
               WHERE run_id = $run_id ORDER BY phase_order, phase`,
    });
  }

  /** The run's trials (metrics as an object of numbers) from the side that answers for it. */
  queryTrials(runId: string): Promise<Record<string, unknown>[]> {
    const legacy = legacySql(this.#layout);
    return this.#fromSideOf(runId, {
      index: `SELECT trial_id, params::VARCHAR AS params, to_json(metrics)::VARCHAR AS metrics, 'index' AS source
              FROM (${indexSql("idx.").trials}) ORDER BY trial_id`,
      legacy: `SELECT trial_id, params, to_json(metrics)::VARCHAR AS metrics, 'legacy' AS source
               FROM (${legacy.trials}) WHERE run_id = $run_id ORDER BY trial_id`,
    });
  }

  /** Runs in both databases whose answers differ, with the side the cutover rule serves. */
  conflicts(): Promise<Conflict[]> {
    return this.#attached((query) => findConflicts(query, this.#runCtes()));
  }

  /**
   * Parity after a backfill: for every run the legacy side answers for, the legacy answer and
   * the index's answer, field by field. `differences` is empty when the index holds exactly what
   * the legacy database did; a difference the event model cannot express carries its `reason`.
   * `unchecked` names each field the layout gives no way to check, and why.
   */
  compare(): Promise<Parity> {
    return this.#attached((query) => compareSides(query, this.#layout));
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/**
 * An in-memory `idx` with the index's run tables and no rows, made by the indexer's own setup
 * statements: the same queries then run before the first index exists.
 */
async function attachEmptyIndex(c: DuckDBConnection): Promise<void> {
  await c.run("ATTACH ':memory:' AS idx");
  await c.run("USE idx");
  try {
    for (const projection of [runsD, runsStatus, phaseTimings, trialResults, baselineResults])
      for (const statement of projection.setup) await c.run(statement);
  } finally {
    await c.run("USE memory");
  }
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function toRunRow(r: Record<string, unknown>): RunRow {
  return {
    run_id: String(r.run_id),
    run_type: r.run_type === null ? null : String(r.run_type),
    status: String(r.status),
    created_ms: num(r.created_ms),
    started_ms: num(r.started_ms),
    completed_ms: num(r.completed_ms),
    exit_code: num(r.exit_code),
    source: r.source as Source,
  };
}

export function openDualMode(options: DualModeOptions): Promise<DualMode> {
  return DualMode.open(options);
}
