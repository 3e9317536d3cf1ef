import { defineProjection } from "./define.js";

/** One row per `alert.ingested`. */
export const alerts = defineProjection({
  name: "alerts",
  database: "alerts",
  eventTypes: ["alert.ingested"],
  setup: [
    `CREATE TABLE IF NOT EXISTS alerts (
      alert_id VARCHAR,
      source VARCHAR,
      received_at TIMESTAMP,
      received_at_ms BIGINT,
      payload JSON,
      timestamp_ms BIGINT NOT NULL,
      event_id VARCHAR NOT NULL
    )`,
  ],
  apply: [
    `INSERT INTO alerts
     SELECT b.alert_id, b.source, epoch_ms(b.received_at_ms), b.received_at_ms, b.payload, timestamp_ms, event_id
     FROM (
       SELECT *, json_transform(body, '{"alert_id":"VARCHAR","source":"VARCHAR","received_at_ms":"BIGINT","payload":"JSON"}') AS b
       FROM new_events
     )`,
  ],
});
