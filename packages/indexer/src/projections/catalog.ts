import { defineProjection } from "./define.js";
import { earlierThanStored } from "./earlier.js";

/** Every artifact a run produced, from `artifact.created`. */
export const artifactsCatalog = defineProjection({
  name: "artifacts_catalog",
  database: "catalog",
  eventTypes: ["artifact.created"],
  setup: [
    `CREATE TABLE IF NOT EXISTS artifacts_catalog (
      run_id VARCHAR NOT NULL,
      artifact_id VARCHAR,
      kind VARCHAR,
      path VARCHAR,
      format VARCHAR,
      bytes BIGINT,
      sha256 VARCHAR,
      created_ms BIGINT NOT NULL,
      event_id VARCHAR NOT NULL
    )`,
  ],
  apply: [
    `INSERT INTO artifacts_catalog
     SELECT run_id, b.artifact_id, b.kind, b.path, b.format, b.bytes, b.sha256, timestamp_ms, event_id
     FROM (
       SELECT *, json_transform(body, '{"artifact_id":"VARCHAR","kind":"VARCHAR","path":"VARCHAR","format":"VARCHAR","bytes":"BIGINT","sha256":"VARCHAR"}') AS b
       FROM new_events
     )`,
  ],
});

const earlier = (column: "created_ms" | "completed_ms") => earlierThanStored("run_pointers", column);

/**
 * Light metadata per run, the run pointers of `catalog.duckdb`: where its events start in the
 * log, where its artifacts live, and the artifact paths its completion listed. Each value comes
 * from the earliest `run.created` / `run.completed`, whatever order they are indexed in.
 */
export const runPointers = defineProjection({
  name: "run_pointers",
  database: "catalog",
  eventTypes: ["run.created", "run.completed"],
  setup: [
    `CREATE TABLE IF NOT EXISTS run_pointers (
      run_id VARCHAR PRIMARY KEY,
      workspace_id VARCHAR,
      configuration_id VARCHAR,
      artifacts_dir VARCHAR NOT NULL,
      events_file VARCHAR,
      events_offset BIGINT,
      artifact_paths VARCHAR[],
      created_ms BIGINT,
      completed_ms BIGINT
    )`,
  ],
  apply: [
    `INSERT INTO run_pointers
     SELECT run_id, created.b.workspace_id, created.b.configuration_id, 'artifacts/runs/' || run_id,
            created.file, created.byte_offset, completed.b.artifact_paths, created.t, completed.t
     FROM (
       SELECT run_id,
         arg_min({t: timestamp_ms, file: file, byte_offset: byte_offset,
                  b: json_transform(body, '{"workspace_id":"VARCHAR","configuration_id":"VARCHAR"}')},
                 timestamp_ms) FILTER (WHERE event_type = 'run.created') AS created,
         arg_min({t: timestamp_ms, b: json_transform(body, '{"artifact_paths":["VARCHAR"]}')}, timestamp_ms)
           FILTER (WHERE event_type = 'run.completed') AS completed
       FROM new_events GROUP BY run_id
     )
     ON CONFLICT (run_id) DO UPDATE SET
       workspace_id = ${earlier("created_ms")} THEN excluded.workspace_id ELSE run_pointers.workspace_id END,
       configuration_id = ${earlier("created_ms")} THEN excluded.configuration_id ELSE run_pointers.configuration_id END,
       events_file = ${earlier("created_ms")} THEN excluded.events_file ELSE run_pointers.events_file END,
       events_offset = ${earlier("created_ms")} THEN excluded.events_offset ELSE run_pointers.events_offset END,
       created_ms = least(run_pointers.created_ms, excluded.created_ms),
       artifact_paths = ${earlier("completed_ms")} THEN excluded.artifact_paths ELSE run_pointers.artifact_paths END,
       completed_ms = least(run_pointers.completed_ms, excluded.completed_ms)`,
  ],
});
