import type { DuckDBConnection } from "@duckdb/node-api";
import { asIndexWriteError, ProjectionError } from "../errors.js";
import type { IndexDatabase, Projection } from "../projections/define.js";
import { firstLine, inTransaction, sqlIdent, sqlString } from "../sql.js";
import { type RoundPhase, timed } from "../trace.js";

/**
 * What the batch added that readers did not have yet. A generation that lags one round behind
 * the published one re-reads that round; those lines are not counted again.
 */
export interface ApplyCounts {
  events: number;
  duplicates: number;
  quarantined: number;
}

const COLUMNS =
  "event_id, event_type, schema_version, run_id, seq, timestamp_ms, file, byte_offset, byte_length, body";

interface Step {
  sql: string;
  projection?: string;
}

/** What to fold into one database from the staged batch. */
export interface ApplyPlan {
  database: IndexDatabase;
  /** The database's projections. */
  projections: readonly Projection[];
  /** Smallest event id in the batch; bounds the duplicate check. */
  minEventId: string;
  /** Event types present in the batch. */
  batchTypes: ReadonlySet<string>;
  /** Whether the batch set lines aside for quarantine. */
  quarantines: boolean;
  /** Whether the batch may repeat an id it already holds (`stage._repeated` has rows). */
  repeats: boolean;
  /** For the runs database: the other databases and the event types each projects. */
  handoff: readonly (readonly [IndexDatabase, string])[];
}

/**
 * The statements that fold the staged batch into one database: its new events (past its own
 * checkpoint of each file, first occurrence of each id), its projections, its event pointers and
 * its checkpoints. `minEventId` bounds the duplicate check: ids are time-sortable, so DuckDB's
 * zone maps skip the row groups of older events and the check costs what the batch costs.
 */
function steps(plan: ApplyPlan): Step[] {
  const { database, projections, minEventId, batchTypes } = plan;
  const db = sqlIdent(database);
  const types = [...new Set(projections.flatMap((p) => p.eventTypes))];
  // A file can appear twice in a batch (lines handed off from earlier rounds, then new bytes).
  const checkpoints: Step = {
    sql: `INSERT INTO ingest_checkpoints
          SELECT file, max(bytes), max(source_bytes), bool_or(compressed), epoch_ms(now()) FROM stage._files GROUP BY file
          ON CONFLICT (file) DO UPDATE SET bytes = greatest(ingest_checkpoints.bytes, excluded.bytes),
            source_bytes = excluded.source_bytes, compressed = excluded.compressed,
            updated_ms = excluded.updated_ms`,
  };
  // Nothing in the batch for this database: only its checkpoints move.
  if (database !== "runs" && !types.some((t) => batchTypes.has(t))) return [checkpoints];
  // The runs database points at every event; the others only at the types they project.
  const typeFilter =
    database === "runs" ? "" : `AND s.event_type IN (${types.map(sqlString).join(", ") || "NULL"})`;
  const list: Step[] = [
    {
      // `dup`: the database already holds this id (a retry, a backfill run twice). Repeats within
      // the batch were set aside in JavaScript, so no window function runs over the bodies.
      sql: `CREATE OR REPLACE TEMP TABLE _fresh AS
            SELECT s.*, s.event_id IN (
              SELECT event_id FROM ${db}.event_pointers WHERE event_id >= ${sqlString(minEventId)}
            ) AS dup
            FROM stage._stage s LEFT JOIN ${db}.ingest_checkpoints c ON c.file = s.file
            WHERE s.byte_offset >= coalesce(c.bytes, 0) ${typeFilter}`,
    },
  ];
  if (database === "runs") {
    // Only the runs database counts: it holds every event, the others a subset. One pass over
    // `_fresh`; the repeated and quarantined lines are counted only when the batch has some.
    const repeated = plan.repeats
      ? `(SELECT count(*) FROM stage._repeated r JOIN stage._files f ON f.idx = r.file_idx
          LEFT JOIN ${db}.ingest_checkpoints c ON c.file = r.file
          WHERE r.byte_offset >= greatest(f.published_bytes, coalesce(c.bytes, 0)))`
      : "0";
    const quarantined = plan.quarantines
      ? `(SELECT count(*) FROM stage._quarantine_stage q JOIN stage._files f ON f.idx = q.file_idx
          WHERE q.byte_offset >= f.published_bytes)`
      : "0";
    list.push(
      {
        sql: `CREATE OR REPLACE TEMP TABLE _counts AS
              SELECT count(*) FILTER (WHERE NOT dup) AS events,
                     count(*) FILTER (WHERE dup) + ${repeated} AS duplicates,
                     ${quarantined} AS quarantined
              FROM temp._fresh s JOIN stage._files f ON f.idx = s.file_idx
              WHERE s.byte_offset >= f.published_bytes`,
      },
      {
        sql: `INSERT INTO duplicate_events
              SELECT event_id, file, byte_offset, epoch_ms(now()) FROM temp._fresh WHERE dup
              ${
                plan.repeats
                  ? `UNION ALL
              SELECT r.event_id, r.file, r.byte_offset, epoch_ms(now()) FROM stage._repeated r
              LEFT JOIN ${db}.ingest_checkpoints c ON c.file = r.file WHERE r.byte_offset >= coalesce(c.bytes, 0)`
                  : ""
              }`,
      },
    );
    if (plan.quarantines) {
      list.push({
        sql: `INSERT INTO quarantine
              SELECT f.file, q.byte_offset, q.byte_length, q.kind, q.reason, q.event_type, epoch_ms(now())
              FROM stage._quarantine_stage q JOIN stage._files f ON f.idx = q.file_idx
              LEFT JOIN ${db}.ingest_checkpoints c ON c.file = f.file
              WHERE q.byte_offset >= coalesce(c.bytes, 0)`,
      });
    }
    if (plan.handoff.length > 0) {
      const pairs = plan.handoff.map(([d, t]) => `(${sqlString(d)}, ${sqlString(t)})`).join(", ");
      list.push({
        sql: `INSERT INTO handoff_pointers
              SELECT h.db, s.event_id, s.file, s.byte_offset, s.byte_length
              FROM temp._fresh s JOIN (VALUES ${pairs}) h(db, event_type) ON h.event_type = s.event_type
              WHERE NOT s.dup`,
      });
    }
  }
  list.push({
    sql: `INSERT INTO event_pointers
          SELECT event_id, event_type, schema_version, run_id, seq, timestamp_ms, file, byte_offset, byte_length
          FROM temp._fresh WHERE NOT dup`,
  });
  for (const projection of projections) {
    if (projection.apply.length === 0 || !projection.eventTypes.some((t) => batchTypes.has(t))) continue;
    list.push({
      sql: `CREATE OR REPLACE TEMP VIEW new_events AS SELECT ${COLUMNS} FROM temp._fresh
            WHERE NOT dup AND event_type IN (${projection.eventTypes.map(sqlString).join(", ")})`,
    });
    for (const sql of projection.apply) list.push({ sql, projection: projection.name });
  }
  list.push(checkpoints);
  return list;
}

/**
 * Applies the staged batch to one database in one transaction: a crash before COMMIT leaves the
 * database as it was; after, all of it. The statements go to DuckDB as one script, so DuckDB
 * runs them back to back whatever the JavaScript thread is doing; if the script fails, it is
 * rolled back and replayed one statement at a time to name the projection at fault. Returns the
 * counts for the runs database and zeros for the others.
 */
export async function applyToDatabase(
  connection: DuckDBConnection,
  plan: ApplyPlan,
  /** One statement per call, so a tracer sees each one's time. @default false */
  stepwise = false,
  /** Told the time of the statements and of the COMMIT apart. */
  onPhase?: (phase: RoundPhase, ms: number) => void,
): Promise<ApplyCounts> {
  const list = steps(plan);
  const db = plan.database;
  await connection.run(`USE ${sqlIdent(db)}`);
  if (stepwise) {
    await timed(onPhase, `apply ${db}`, () => replayOneByOne(connection, list));
  } else {
    const script = `BEGIN TRANSACTION;\n${list.map((s) => s.sql).join(";\n")}`;
    try {
      if (onPhase) {
        await timed(onPhase, `apply ${db}`, () => connection.run(script));
        await timed(onPhase, `commit ${db}`, () => connection.run("COMMIT; USE memory"));
      } else {
        await connection.run(`${script};\nCOMMIT;\nUSE memory`);
      }
    } catch {
      await connection.run("ROLLBACK").catch(() => {});
      await replayOneByOne(connection, list);
    }
  }
  if (plan.database !== "runs") return { events: 0, duplicates: 0, quarantined: 0 };
  const row = (await connection.runAndReadAll("SELECT * FROM temp._counts")).getRows()[0] ?? [];
  return { events: Number(row[0] ?? 0), duplicates: Number(row[1] ?? 0), quarantined: Number(row[2] ?? 0) };
}

async function replayOneByOne(connection: DuckDBConnection, list: Step[]): Promise<void> {
  await inTransaction(connection, async () => {
    for (const step of list) {
      try {
        await connection.run(step.sql);
      } catch (error) {
        // A full disk is no fault of the projection's: it is reported as what it is.
        if (!step.projection || asIndexWriteError(error) !== error) throw error;
        throw new ProjectionError(`projection ${step.projection} failed: ${firstLine(error)}`, {
          cause: error,
        });
      }
    }
  });
}

export async function scalar(connection: DuckDBConnection, sql: string): Promise<unknown> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRows()[0]?.[0];
}
