import * as fs from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { IndexMissingError } from "@ledger/indexer";
import { ledgerPaths } from "@ledger/schema";
import { attachLegacy } from "./attach-legacy.js";
import { LegacyDatabaseError } from "./errors.js";
import { defaultLegacyLayout, ident, type LegacyLayout, STATUS_SQL, tableRef } from "./layout.js";

export type Source = "legacy" | "index";

type Query = (sql: string, params: Record<string, DuckDBValue>) => Promise<Record<string, unknown>[]>;

export interface DualModeOptions {
  /** The old system's DuckDB file; opened read-only, and only for the length of a query. */
  legacyDb: string;
  /** Ledger root whose published index is read. */
  root: string;
  /** Runs created before this instant come from the legacy database, the rest from the index. */
  cutover: Date;
  /** @default defaultLegacyLayout */
  layout?: LegacyLayout;
  /** @default `{root}/index` */
  indexDir?: string;
}

export interface RunFilter {
  status?: string;
  runType?: string;
  /** Created at or after (epoch ms). */
  createdFrom?: number;
  /** Created before (epoch ms). */
  createdTo?: number;
  /** @default 100 */
  limit?: number;
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
 * One field on which the index disagrees with the legacy database about a run. A run the index
 * lacks altogether is one row, `{ field: "run", legacy: "present", index: "missing from index" }`:
 * it has no field to compare.
 */
export interface Difference {
  run_id: string;
  field: string;
  legacy: string | null;
  index: string | null;
}

export const MISSING_FROM_INDEX = "missing from index";

/** A run found in both databases whose two answers differ; `winner` is the side served. */
export interface Conflict {
  run_id: string;
  winner: Source;
  legacy: Omit<RunRow, "source"> | null;
  index: Omit<RunRow, "source"> | null;
  fields: string[];
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

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, options: DualModeOptions) {
    this.#instance = instance;
    this.#connection = connection;
    this.#options = options;
    this.#layout = options.layout ?? defaultLegacyLayout;
    this.#cutoverMs = options.cutover.getTime();
    this.#indexPath = join(options.indexDir ?? ledgerPaths(options.root).index, "runs.duckdb");
  }

  static async open(options: DualModeOptions): Promise<DualMode> {
    if (!fs.existsSync(options.legacyDb))
      throw new LegacyDatabaseError(`no legacy database at ${options.legacyDb}`);
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    return new DualMode(instance, connection, options);
  }

  get cutover(): Date {
    return new Date(this.#cutoverMs);
  }

  /** SQL of the runs each side would answer with, as `legacy_runs` and `index_runs`. */
  #runCtes(): string {
    const r = this.#layout.runs;
    const c = r.columns;
    const ms = (col: string) => `epoch_ms(${ident(col)}::TIMESTAMP)`;
    return `legacy_runs AS (
        SELECT ${ident(c.run_id)}::VARCHAR AS run_id, ${ident(c.run_type)}::VARCHAR AS run_type,
               ${STATUS_SQL(ident(c.status))} AS status, ${ms(c.created_at)} AS created_ms,
               ${ms(c.started_at)} AS started_ms, ${ms(c.completed_at)} AS completed_ms,
               ${ident(c.exit_code)}::INTEGER AS exit_code
        FROM ${tableRef(r.table)}),
      index_runs AS (
        SELECT s.run_id, d.run_type, s.status, coalesce(d.created_ms, s.created_ms) AS created_ms,
               s.started_ms, s.completed_ms, s.exit_code
        FROM idx.runs_status s LEFT JOIN idx.runs_d d USING (run_id)),
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
      if (!fs.existsSync(this.#indexPath)) throw new IndexMissingError(this.#indexPath);
      await c.run(`ATTACH '${this.#indexPath.replaceAll("'", "''")}' AS idx (READ_ONLY)`);
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
    const where: string[] = [];
    const params: Record<string, DuckDBValue> = { limit: filter.limit ?? 100 };
    if (filter.status !== undefined) {
      where.push("status = $status");
      params.status = filter.status;
    }
    if (filter.runType !== undefined) {
      where.push("run_type = $run_type");
      params.run_type = filter.runType;
    }
    if (filter.createdFrom !== undefined) {
      where.push("created_ms >= $from");
      params.from = filter.createdFrom;
    }
    if (filter.createdTo !== undefined) {
      where.push("created_ms < $to");
      params.to = filter.createdTo;
    }
    const rows = await this.#query(
      `WITH ${this.#runCtes()}
       SELECT * FROM merged ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
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
    const p = this.#layout.phases;
    const c = p.columns;
    return this.#fromSideOf(runId, {
      index: `SELECT phase, phase_order, started_ms, completed_ms, duration_ms, 'index' AS source
              FROM idx.phase_timings WHERE run_id = $run_id ORDER BY phase_order, phase`,
      legacy: `SELECT ${ident(c.phase)}::VARCHAR AS phase, ${ident(c.phase_order)}::INTEGER AS phase_order,
                      epoch_ms(${ident(c.started_at)}::TIMESTAMP) AS started_ms,
                      epoch_ms(${ident(c.completed_at)}::TIMESTAMP) AS completed_ms,
                      ${ident(c.duration_ms)}::DOUBLE AS duration_ms, 'legacy' AS source
               FROM ${tableRef(p.table)} WHERE ${ident(c.run_id)} = $run_id ORDER BY phase_order, phase`,
    });
  }

  /** The run's trials (metrics as an object of numbers) from the side that answers for it. */
  queryTrials(runId: string): Promise<Record<string, unknown>[]> {
    const t = this.#layout.trials;
    const metrics = t.metrics.map((m) => `${ident(m)}::DOUBLE AS ${ident(m)}`).join(", ");
    return this.#fromSideOf(runId, {
      index: `SELECT trial_id, params::VARCHAR AS params, to_json(metrics)::VARCHAR AS metrics, 'index' AS source
              FROM idx.trial_results WHERE run_id = $run_id ORDER BY trial_id`,
      legacy: `SELECT ${ident(t.columns.trial_id)}::VARCHAR AS trial_id, ${ident(t.columns.params)}::VARCHAR AS params,
                      to_json(map_from_entries(list_filter([${t.metrics.map((m) => `{k: '${m}', v: ${ident(m)}::DOUBLE}`).join(", ")}], x -> x.v IS NOT NULL)))::VARCHAR AS metrics,
                      'legacy' AS source
               FROM (SELECT *, ${metrics} FROM ${tableRef(t.table)}) WHERE ${ident(t.columns.run_id)} = $run_id ORDER BY trial_id`,
    });
  }

  /** Runs in both databases whose answers differ, with the side the cutover rule serves. */
  async conflicts(): Promise<Conflict[]> {
    const rows = await this.#query(
      `WITH ${this.#runCtes()}
       SELECT l.run_id, to_json(l)::VARCHAR AS legacy, to_json(i)::VARCHAR AS idx,
              CASE WHEN l.created_ms < $cutover THEN 'legacy' ELSE 'index' END AS winner
       FROM legacy_runs l JOIN index_runs i USING (run_id)
       WHERE l.status IS DISTINCT FROM i.status OR l.created_ms IS DISTINCT FROM i.created_ms
          OR l.completed_ms IS DISTINCT FROM i.completed_ms OR l.run_type IS DISTINCT FROM i.run_type
       ORDER BY run_id`,
      {},
    );
    return rows.map((r) => {
      const legacy = JSON.parse(String(r.legacy)) as Omit<RunRow, "source">;
      const index = JSON.parse(String(r.idx)) as Omit<RunRow, "source">;
      const fields = (["status", "created_ms", "completed_ms", "run_type"] as const).filter(
        (f) => legacy[f] !== index[f],
      );
      return { run_id: String(r.run_id), winner: r.winner as Source, legacy, index, fields };
    });
  }

  /**
   * Parity after a backfill: for every run the legacy side answers for, the legacy answer and
   * the index's answer, field by field (status, times, exit code, phase and trial counts). Each
   * difference is one row; an empty list means the index holds exactly what the legacy did.
   */
  async compare(): Promise<Difference[]> {
    const p = this.#layout.phases;
    const t = this.#layout.trials;
    const rows = await this.#query(
      `WITH ${this.#runCtes()},
       legacy_side AS (
         SELECT l.*, (SELECT count(*) FROM ${tableRef(p.table)} x WHERE x.${ident(p.columns.run_id)} = l.run_id) AS phases,
                (SELECT count(*) FROM ${tableRef(t.table)} x WHERE x.${ident(t.columns.run_id)} = l.run_id) AS trials
         FROM legacy_runs l WHERE l.created_ms < $cutover),
       index_side AS (
         SELECT i.*, (SELECT count(*) FROM idx.phase_timings x WHERE x.run_id = i.run_id) AS phases,
                (SELECT count(*) FROM idx.trial_results x WHERE x.run_id = i.run_id) AS trials
         FROM index_runs i WHERE i.run_id IN (SELECT run_id FROM legacy_side)),
       fields AS (
         SELECT l.run_id, f.field, f.legacy_value, f.index_value
         FROM legacy_side l JOIN index_side i USING (run_id),
         LATERAL (VALUES
           ('status', l.status::VARCHAR, i.status::VARCHAR),
           ('run_type', l.run_type, i.run_type),
           ('created_ms', l.created_ms::VARCHAR, i.created_ms::VARCHAR),
           ('started_ms', l.started_ms::VARCHAR, i.started_ms::VARCHAR),
           ('completed_ms', l.completed_ms::VARCHAR, i.completed_ms::VARCHAR),
           ('exit_code', l.exit_code::VARCHAR, i.exit_code::VARCHAR),
           ('phases', l.phases::VARCHAR, i.phases::VARCHAR),
           ('trials', l.trials::VARCHAR, i.trials::VARCHAR)) f(field, legacy_value, index_value))
       SELECT run_id, field, legacy_value, index_value
       FROM fields WHERE legacy_value IS DISTINCT FROM index_value
       UNION ALL
       SELECT run_id, 'run', 'present', $missing
       FROM legacy_side WHERE run_id NOT IN (SELECT run_id FROM index_side)
       ORDER BY run_id, field`,
      { missing: MISSING_FROM_INDEX },
    );
    return rows.map((r) => ({
      run_id: String(r.run_id),
      field: String(r.field),
      legacy: r.legacy_value === null ? null : String(r.legacy_value),
      index: r.index_value === null ? null : String(r.index_value),
    }));
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
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
