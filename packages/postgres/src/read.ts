import type { RunDetail, RunFilter, RunListItem, RunSortKey } from "@ledger/indexer";
import pg from "pg";
import { clientConfig, describe, isTransient, redactUrl } from "./connect.js";
import { PostgresConnectError, PostgresQueryError } from "./errors.js";

export interface PostgresRunsOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Connections kept for concurrent requests. @default 4 */
  maxConnections?: number;
}

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

const LIST_COLUMNS = `run_id, run_type, status, ${iso("created_at")}, ${iso("started_at")}, ${iso("completed_at")},
  duration_ms::float8 AS duration_ms, exit_code`;

const SUMMARY_COLUMNS = `${LIST_COLUMNS}, data_fingerprint, config, git->>'commit' AS git_commit,
  git->>'branch' AS git_branch, (git->>'dirty')::boolean AS git_dirty, workspace_id, configuration_id, summary,
  output_paths AS artifact_paths, trial_count, best_trial, best_metric`;

const epochMs = (column: string) =>
  `(extract(epoch FROM ${column}) * 1000)::float8 AS ${column.replace("_at", "_ms")}`;

/** The column of `ledger_runs` each order of a listing sorts by. */
const SORT_COLUMNS: Record<RunSortKey, string> = {
  created_at: "sort_at",
  duration_ms: "duration_ms",
  trials: "trial_count",
  best_sharpe: "best_metric",
  status: "status",
  run_type: "run_type",
  run_id: "run_id",
};
/**
 * The mirrored runs, read as the index's read model reads them: the same filters, order and JSON
 * shapes (`RunListItem`, `RunDetail`), so an API server answers the same from either.
 */
export class PostgresRuns {
  readonly #pool: pg.Pool;
  readonly #url: string;

  constructor(options: PostgresRunsOptions) {
    this.#url = options.url;
    this.#pool = new pg.Pool({
      ...clientConfig(options.url, "ledger serve"),
      max: options.maxConnections ?? 4,
    });
    // An idle connection the server dropped: the pool replaces it; the next query reports any problem.
    this.#pool.on("error", () => {});
  }

  /**
   * Checks that the server answers and holds the mirror's tables: `PostgresConnectError` when it
   * cannot be reached, `PostgresQueryError` when no sync has created the tables yet.
   */
  async check(): Promise<void> {
    try {
      await this.#pool.query("SELECT 1 FROM ledger_runs LIMIT 1");
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (code === "42P01") {
        throw new PostgresQueryError(
          `${redactUrl(this.#url)} has no ledger tables: no sync has run into it`,
          {
            cause: error,
          },
        );
      }
      // Not a server's answer (refused, unknown host), or a refusal to let this user in.
      if (isTransient(error) || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith("28") || code === "3D000") {
        throw new PostgresConnectError(`cannot connect to ${redactUrl(this.#url)}: ${describe(error)}`, {
          cause: error,
        });
      }
      throw new PostgresQueryError(`reading runs from PostgreSQL failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * The runs matching `filter`, in its order (newest first unless told otherwise), with their
   * trial counts.
   */
  async listRuns(filter: RunFilter = {}): Promise<RunListItem[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.status !== undefined) where.push(`status = ${bind(filter.status)}`);
    if (filter.type !== undefined) where.push(`run_type = ${bind(filter.type)}`);
    if (filter.createdFrom !== undefined)
      where.push(
        `created_at >= 'epoch'::timestamptz + ${bind(filter.createdFrom)}::bigint * interval '1 millisecond'`,
      );
    if (filter.createdTo !== undefined)
      where.push(
        `created_at < 'epoch'::timestamptz + ${bind(filter.createdTo)}::bigint * interval '1 millisecond'`,
      );
    const rows = await this.#query(
      `SELECT ${LIST_COLUMNS}, trial_count AS trials FROM ledger_runs
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY ${SORT_COLUMNS[filter.sort ?? "created_at"]} ${filter.descending === false ? "ASC" : "DESC"} NULLS LAST, run_id
       LIMIT ${bind(filter.limit ?? 100)} OFFSET ${bind(filter.offset ?? 0)}`,
      params,
    );
    return rows as unknown as RunListItem[];
  }

  /**
   * The best trial (by `sharpe`) of each run named that has one, by run id: what a listing with
   * `fields=best` adds, as the index's `runRecords` gives it.
   */
  async bestTrials(runIds: string[]): Promise<Map<string, { best_trial: string; best_sharpe: number }>> {
    const rows = await this.#query(
      `SELECT run_id, best_trial, best_metric FROM ledger_runs
       WHERE run_id = ANY($1::text[]) AND best_trial IS NOT NULL`,
      [runIds],
    );
    return new Map(
      rows.map((r) => [
        String(r.run_id),
        { best_trial: String(r.best_trial), best_sharpe: Number(r.best_metric) },
      ]),
    );
  }

  /** One run's summary, phases, trial count and best trial, and artifacts; undefined if unknown. */
  async runDetail(runId: string): Promise<RunDetail | undefined> {
    const [row] = await this.#query(`SELECT ${SUMMARY_COLUMNS} FROM ledger_runs WHERE run_id = $1`, [runId]);
    if (!row) return undefined;
    const { trial_count, best_trial, best_metric, ...run } = row;
    const [phases, artifacts] = await Promise.all([
      this.#query(
        `SELECT phase, phase_order, ${epochMs("started_at")}, ${epochMs("completed_at")}, duration_ms
         FROM ledger_phases WHERE run_id = $1 ORDER BY phase_order, phase`,
        [runId],
      ),
      this.#query(
        `SELECT artifact_id, kind, path, format, bytes::float8 AS bytes, sha256
         FROM ledger_artifacts WHERE run_id = $1 ORDER BY position`,
        [runId],
      ),
    ]);
    return {
      run: run as unknown as RunDetail["run"],
      phases: phases as unknown as RunDetail["phases"],
      trials: Number(trial_count),
      best_trial: best_trial === null ? null : { trial_id: String(best_trial), sharpe: Number(best_metric) },
      artifacts: artifacts as unknown as RunDetail["artifacts"],
    };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.#pool.query(sql, params)).rows;
    } catch (error) {
      throw new PostgresQueryError(`reading runs from PostgreSQL failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }
}

export function openPostgresRuns(options: PostgresRunsOptions): PostgresRuns {
  return new PostgresRuns(options);
}
