import { type IndexReader, runRecordsSql } from "@ledger/indexer";
import type pg from "pg";
import { copyFromText } from "./copy-in.js";
import { upsertRuns, type WriteCounts } from "./write-rows.js";

/**
 * A column of a staging table: its name and SQL type there, the DuckDB expression over the
 * index's row that gives it, and whether it is text (escaped for `COPY`) or a number or boolean.
 */
interface Staged {
  name: string;
  type: string;
  from: string;
  kind: "text" | "plain";
}

const text = (name: string, from = name): Staged => ({ name, type: "text", from, kind: "text" });
const plain = (name: string, type: string, from = name): Staged => ({ name, type, from, kind: "plain" });
/** JSON as its text; JSON `null` is SQL NULL, as it is when the rows come as objects. */
const json = (name: string, from: string): Staged => ({
  name,
  type: "text",
  from: `nullif((${from})::VARCHAR, 'null')`,
  kind: "text",
});

const RUNS: Staged[] = [
  text("run_id"),
  text("run_type"),
  text("status"),
  plain("exit_code", "integer"),
  plain("created_ms", "bigint"),
  plain("started_ms", "bigint"),
  plain("completed_ms", "bigint"),
  plain("duration_ms", "bigint"),
  json("summary", "summary"),
  json("config", "config"),
  text("data_fingerprint"),
  text("git_commit"),
  text("git_branch"),
  plain("git_dirty", "boolean"),
  text("workspace_id"),
  text("configuration_id"),
  text("events_file"),
  plain("events_offset", "bigint"),
  json("output_paths", "to_json(artifact_paths)"),
  plain("trial_count", "integer", "trials"),
  plain("best_metric", "double precision", "best_sharpe"),
  text("best_trial"),
  text("failed_phase"),
];

const PHASES: Staged[] = [
  text("run_id"),
  text("phase"),
  plain("phase_order", "integer"),
  plain("started_ms", "bigint"),
  plain("completed_ms", "bigint"),
  plain("duration_ms", "double precision"),
];

const ARTIFACTS: Staged[] = [
  text("run_id"),
  plain("position", "integer"),
  text("artifact_id"),
  text("kind"),
  text("path"),
  text("format"),
  plain("bytes", "bigint"),
  text("sha256"),
];

/**
 * One field of `COPY`'s text format: backslash, newline, carriage return and tab escaped, NULL
 * as `\N`. DuckDB's string literals take backslashes as they are.
 */
function copyField(column: Staged): string {
  const value = column.kind === "plain" ? `(${column.from})::VARCHAR` : column.from;
  const escaped =
    column.kind === "plain"
      ? value
      : `replace(replace(replace(replace(${value}, '\\', '\\\\'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t')`;
  return `coalesce(${escaped}, '\\N')`;
}

/** The lines of `lines` but those of held runs, as one text, in no order (NULL when none). */
const copyText = (lines: string) =>
  `SELECT string_agg(line, chr(10)) FROM ${lines} WHERE run_id NOT IN (SELECT run_id FROM held)`;

/** A row of `columns` as one line of `COPY` text. */
const copyLine = (columns: Staged[]) => `concat_ws(chr(9), ${columns.map(copyField).join(", ")})`;

/**
 * A line holding a NUL, or a `\u` (its backslash doubled by `copyField`): in JSON text an escape
 * that may be of a character PostgreSQL refuses (a NUL, a lone surrogate); now and then a text's
 * own backslash and `u`, which costs only the slower way.
 */
const REFUSED = `contains(line, chr(0)) OR contains(line, '\\\\u')`;

/** The SQL reading one batch, by whether the index has a catalog. */
const batchSql = new Map<boolean, string>();

function readSql(reader: IndexReader): string {
  const catalog = reader.has("catalog");
  const cached = batchSql.get(catalog);
  if (cached) return cached;
  const sql = runRecordsSql(reader);
  // Runs with a line that may hold a value PostgreSQL refuses as it is (see `REFUSED`) are left to
  // the caller, which escapes them value by value, as `writeRuns` does; all the others are
  // written as the index holds them.
  const built = `${sql.withIds},
    r AS MATERIALIZED (${sql.runs}),
    rl AS MATERIALIZED (SELECT run_id, ${copyLine(RUNS)} AS line FROM r),
    pl AS MATERIALIZED (
      SELECT run_id, ${copyLine(PHASES)} AS line FROM (${sql.phases}) WHERE run_id IN (SELECT run_id FROM r)),
    al AS MATERIALIZED (
      SELECT run_id, ${copyLine(ARTIFACTS)} AS line FROM (
        SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY path, artifact_id, kind, format, bytes, sha256) - 1
          AS position
        FROM (${sql.artifacts}) WHERE run_id IN (SELECT run_id FROM r))),
    held AS MATERIALIZED (
      SELECT run_id FROM rl WHERE ${REFUSED}
      UNION SELECT run_id FROM pl WHERE ${REFUSED}
      UNION SELECT run_id FROM al WHERE ${REFUSED})
    SELECT ${Object.entries({ runs: "rl", phases: "pl", artifacts: "al" })
      .map(([name, lines]) => `(${copyText(lines)}) AS ${name}`)
      .join(", ")},
      (SELECT coalesce(to_json(list(run_id ORDER BY run_id)), '[]')::VARCHAR FROM held) AS held`;
  batchSql.set(catalog, built);
  return built;
}

/** One batch of runs as the index holds them, in `COPY` text, ready for `writeCopyBatch`. */
export interface CopyBatch {
  runs: string;
  phases: string;
  artifacts: string;
  /** Runs of the batch left out because a value needs escaping first. */
  held: string[];
}

/**
 * Reads the rows of `runIds` from the index, DuckDB writing them as `COPY` text: Node handles
 * a few strings per batch, not a value per row and column.
 */
export async function readCopyBatch(reader: IndexReader, runIds: readonly string[]): Promise<CopyBatch> {
  if (runIds.length === 0) return { runs: "", phases: "", artifacts: "", held: [] };
  const [row] = await reader.query(readSql(reader), { ids: JSON.stringify(runIds) });
  const str = (value: unknown) => (value === null || value === undefined ? "" : String(value));
  return {
    runs: str(row?.runs),
    phases: str(row?.phases),
    artifacts: str(row?.artifacts),
    held: JSON.parse(str(row?.held) || "[]") as string[],
  };
}

const stagingTable = (table: string, columns: Staged[]) =>
  `CREATE TEMP TABLE IF NOT EXISTS ${table}_in (${columns.map((c) => `${c.name} ${c.type}`).join(", ")})
   ON COMMIT DELETE ROWS`;

/**
 * The staging tables `COPY` fills, per session, emptied at each commit. Created inside the sync's
 * transaction when missing, so a connection that lost them (or a pooler's other session) gets
 * them again.
 */
export const STAGING = [
  stagingTable("ledger_runs", RUNS),
  stagingTable("ledger_phases", PHASES),
  stagingTable("ledger_artifacts", ARTIFACTS),
].join(";\n");

const at = (ms: string) => `'epoch'::timestamptz + ${ms} * interval '1 millisecond'`;

/** From the staging table, in the columns `upsertRuns` takes. */
const UPSERT_RUNS = upsertRuns(`
  SELECT run_id, run_type, status, exit_code, ${at("created_ms")}, ${at("started_ms")}, ${at("completed_ms")},
    duration_ms, summary::jsonb, config::jsonb, data_fingerprint,
    CASE WHEN git_commit IS NULL AND git_branch IS NULL AND git_dirty IS NULL THEN NULL
      ELSE jsonb_build_object('commit', git_commit, 'branch', git_branch, 'dirty', git_dirty) END,
    workspace_id, configuration_id, events_file, events_offset, output_paths::jsonb, trial_count, best_metric,
    best_trial, failed_phase
  FROM ledger_runs_in`);

/** The batch's phases and artifacts replace the stored ones of its runs. */
const REPLACE_CHILDREN = `
  DELETE FROM ledger_phases WHERE run_id IN (SELECT run_id FROM ledger_runs_in);
  DELETE FROM ledger_artifacts WHERE run_id IN (SELECT run_id FROM ledger_runs_in);
  INSERT INTO ledger_phases (run_id, phase, phase_order, started_at, completed_at, duration_ms)
    SELECT run_id, phase, phase_order, ${at("started_ms")}, ${at("completed_ms")}, duration_ms FROM ledger_phases_in;
  INSERT INTO ledger_artifacts (${ARTIFACTS.map((c) => c.name).join(", ")})
    SELECT ${ARTIFACTS.map((c) => c.name).join(", ")} FROM ledger_artifacts_in;
  TRUNCATE ledger_runs_in, ledger_phases_in, ledger_artifacts_in`;

/**
 * Writes a batch read by `readCopyBatch` inside the caller's transaction, after `STAGING`: the
 * rows are copied into the staging tables, then upserted (runs) or replaced (phases, artifacts).
 */
export async function writeCopyBatch(client: pg.ClientBase, batch: CopyBatch): Promise<WriteCounts> {
  if (batch.runs === "") return { runs: 0, phases: 0, artifacts: 0, escaped: 0 };
  await copyFromText(client, "COPY ledger_runs_in FROM STDIN", batch.runs);
  const phases =
    batch.phases === "" ? 0 : await copyFromText(client, "COPY ledger_phases_in FROM STDIN", batch.phases);
  const artifacts =
    batch.artifacts === ""
      ? 0
      : await copyFromText(client, "COPY ledger_artifacts_in FROM STDIN", batch.artifacts);
  const upserted = await client.query(UPSERT_RUNS);
  await client.query(REPLACE_CHILDREN);
  return { runs: upserted.rowCount ?? 0, phases, artifacts, escaped: 0 };
}
