import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { createEventIdFactory } from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { type IndexerOptions, openIndexer } from "../../index.js";
import { openIndexReader } from "../../reader.js";
import { indexDigest } from "../../test-support/index-digest.js";
import { tempRoot } from "../../test-support/index-fixture.js";
import { appendRaw, backtestEvents, writeLog } from "../../test-support/workload.js";

/** A full rebuild of `root` into its own index folder, with the reader named; its tables as JSON. */
async function rebuildWith(root: string, reader: IndexerOptions["fullRebuildReader"], maxLineBytes: number) {
  const indexDir = join(root, `index-${reader}`);
  const indexer = await openIndexer({ root, indexDir, fullRebuildReader: reader, maxLineBytes });
  const report = await indexer.rebuild().finally(() => indexer.close());
  const r = openIndexReader({ root, indexDir });
  try {
    const of = (sql: string) => r.query(sql).then((rows) => JSON.stringify(rows));
    return {
      report: { events: report.events, duplicates: report.duplicates, quarantined: report.quarantined },
      digest: await indexDigest(r),
      quarantine: await of(
        "SELECT file, byte_offset, byte_length, kind, reason, event_type FROM quarantine ORDER BY file, byte_offset",
      ),
      duplicates: await of(
        "SELECT event_id, file, byte_offset FROM duplicate_events ORDER BY file, byte_offset",
      ),
      pointers: await of(
        "SELECT event_id, file, byte_offset, byte_length, seq FROM event_pointers ORDER BY file, byte_offset",
      ),
      checkpoints: await of(
        "SELECT file, bytes, source_bytes, compressed FROM ingest_checkpoints ORDER BY file",
      ),
    };
  } finally {
    r.close();
  }
}

describe("full rebuild read by DuckDB", () => {
  it("gives the index, quarantine, duplicates and checkpoints the JavaScript reader gives", async () => {
    const root = tempRoot();
    const maxLineBytes = 4096;
    const runs = [...backtestEvents({ runs: 6, trialsPerRun: 40 })];
    const nextId = createEventIdFactory();
    const t = Date.UTC(2026, 0, 4, 9);
    const global = [
      {
        event_id: nextId(t),
        event_type: "alert.ingested",
        schema_version: 1,
        timestamp_ms: t,
        alert_id: "a-1",
        source: "ops",
        received_at_ms: t,
        payload: { level: "warn", text: "déjà vu ✓ 𝄞" },
      },
      {
        event_id: nextId(t + 1),
        event_type: "artifact.created",
        schema_version: 1,
        timestamp_ms: t + 1,
        run_id: "run-000000",
        seq: 900,
        artifact_id: "art-1",
        kind: "report",
        path: "reports/summary.json",
        format: "json",
        bytes: 1234,
        sha256: "a".repeat(64),
      },
      {
        event_id: nextId(t + 2),
        event_type: "baseline.completed",
        schema_version: 1,
        timestamp_ms: t + 2,
        run_id: "run-000001",
        seq: 901,
        baseline_id: "b-1",
        metrics: { sharpe: 1.5, trades: 12 },
      },
    ];
    // A sealed, gzipped day with events of every type and a repeated event_id.
    writeLog(root, [...global, runs[3] as Record<string, unknown>], "2026-01-04", 1);
    execFileSync("gzip", [join(root, "events/day=2026-01-04/part-000001.jsonl")]);
    writeLog(root, runs.slice(0, 200), "2026-01-05", 1);
    const bad = [
      "{not json",
      JSON.stringify({
        event_type: "no.such.type",
        event_id: nextId(t + 3),
        schema_version: 1,
        timestamp_ms: t,
      }),
      JSON.stringify({ ...runs[10], trial_id: undefined }), // a required field missing
      JSON.stringify({ ...runs[11], seq: "12" }), // a field of the wrong type
      JSON.stringify(runs[12]).replace("{", '{ "x_extra": 1, '), // an unknown field, spaced
      JSON.stringify({ ...runs[13], params: { note: 'a\u0000b "quoted"' } }), // escapes: SQL cannot decide
      JSON.stringify({ ...runs[14], params: { pad: "x".repeat(maxLineBytes) } }), // over the line limit
      "",
      JSON.stringify(runs[15]), // a duplicate of a line already indexed
    ];
    appendRaw(root, `${bad.join("\n")}\n`, "2026-01-05", 1);
    writeLog(root, runs.slice(200), "2026-01-05", 2);
    appendRaw(root, JSON.stringify(runs[0]).slice(0, 40), "2026-01-05", 2); // unfinished last line

    const native = await rebuildWith(root, "native", maxLineBytes);
    const javascript = await rebuildWith(root, "javascript", maxLineBytes);
    expect(native).toEqual(javascript);
    expect(javascript.report.quarantined).toBeGreaterThanOrEqual(5);
    expect(javascript.report.duplicates).toBeGreaterThanOrEqual(2);
    expect(javascript.report.events).toBe(runs.length + global.length);
  });
});
