import { IndexCheckError, ProjectionError } from "../errors.js";

/** The three index files: `index/runs.duckdb`, `index/catalog.duckdb`, `index/alerts.duckdb`. */
export type IndexDatabase = "runs" | "catalog" | "alerts";
export const INDEX_DATABASES: readonly IndexDatabase[] = ["runs", "catalog", "alerts"];

/**
 * A table (or view) of the index, declared as data: where it lives, which events feed it and the
 * SQL that folds them in. The indexer runs `setup` when it creates a database and `apply` in the
 * same transaction as the checkpoint of the bytes that produced the rows, so a projection never
 * sees an event twice and never misses one.
 *
 * `apply` reads the temporary table `new_events`: the events of `eventTypes` in this batch that
 * the database has not seen before (deduplicated by `event_id`), already upcast to the current
 * version, with columns `event_id`, `event_type`, `schema_version`, `run_id`, `seq`,
 * `timestamp_ms`, `file`, `byte_offset`, `byte_length` and `body` (the event as JSON).
 */
export interface Projection {
  /** Unique among the projections of an indexer; shown in errors. */
  name: string;
  /** @default "runs" */
  database?: IndexDatabase;
  /** Event types folded in by `apply`. Empty: `apply` is not run (a view, say). */
  eventTypes: readonly string[];
  /** Statements that create the projection's tables and views (`IF NOT EXISTS` / `OR REPLACE`). */
  setup: readonly string[];
  /** Statements run for each batch that holds events of `eventTypes`, reading `new_events`. */
  apply: readonly string[];
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Checks a projection's shape so a mistake fails when it is declared, not mid-ingest. */
export function defineProjection(projection: Projection): Projection {
  if (!NAME.test(projection.name)) {
    throw new ProjectionError(
      `projection name "${projection.name}" must be lower_snake_case, starting with a letter`,
    );
  }
  const database = projection.database ?? "runs";
  if (!INDEX_DATABASES.includes(database)) {
    throw new ProjectionError(`projection ${projection.name}: unknown database "${database}"`);
  }
  if (projection.apply.length > 0 && projection.eventTypes.length === 0) {
    throw new ProjectionError(`projection ${projection.name}: apply statements need eventTypes`);
  }
  return Object.freeze({ ...projection, database });
}

/** The database a projection lives in, with the default applied. */
export function databaseOf(projection: Projection): IndexDatabase {
  return projection.database ?? "runs";
}

/** The projections that live in `db`. */
export function projectionsIn(projections: readonly Projection[], db: IndexDatabase): Projection[] {
  return projections.filter((p) => databaseOf(p) === db);
}

/** Refuses two projections of one indexer with the same name (errors name projections). */
export function checkProjectionNames(projections: readonly Projection[]): void {
  const names = new Set<string>();
  for (const p of projections) {
    if (names.has(p.name)) throw new IndexCheckError(`two projections are named ${p.name}`);
    names.add(p.name);
  }
}
