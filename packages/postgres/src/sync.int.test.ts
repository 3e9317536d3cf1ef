import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listRuns, openIndexer, openIndexReader, runDetail } from "@ledger/indexer";
import { backtestEvents, writeLog } from "@ledger/indexer/test-support";
import { createEventIdFactory } from "@ledger/schema";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { PostgresConnectError, PostgresUrlError } from "./errors.js";
import { openPostgresRuns } from "./read.js";
import { openPgSync } from "./sync.js";
import { mirrorRows } from "./test-support/postgres-server.js";
import { describeWithPostgres } from "./test-support/use-postgres.js";

type Event = Record<string, unknown> & { event_type: string; timestamp_ms: number };

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "ledger-pg-sync-"));
  roots.push(root);
  return root;
}

/** Backtest runs as a job writes them, with two artifacts after each successful completion. */
function backtests(runs: number, prefix = "run"): Event[] {
  const nextId = createEventIdFactory();
  const events: Event[] = [];
  for (const e of backtestEvents({ runs, trialsPerRun: 12, prefix })) {
    events.push(e);
    if (e.event_type === "run.completed" && e.status === "succeeded") {
      for (const [i, path] of ["trades.parquet", "summary.json"].entries()) {
        const t = e.timestamp_ms + 1 + i;
        events.push({
          event_id: nextId(t),
          event_type: "artifact.created",
          schema_version: 1,
          timestamp_ms: t,
          run_id: e.run_id,
          artifact_id: `a-${i}`,
          kind: i === 0 ? "trades" : "summary",
          path,
          format: i === 0 ? "parquet" : "json",
          bytes: 1000 + i,
          sha256: "0".repeat(64),
        });
      }
    }
  }
  return events;
}

async function index(root: string): Promise<void> {
  const indexer = await openIndexer({ root });
  try {
    await indexer.update();
  } finally {
    await indexer.close();
  }
}

async function syncOnce(root: string, url: string) {
  const sync = await openPgSync({ root, url, batchRuns: 7 });
  try {
    return await sync.sync();
  } finally {
    await sync.close();
  }
}

describeWithPostgres("pg-sync", ({ database }) => {
  it("mirrors the index's runs: listings and details equal the index's, row by row", async () => {
    const root = tempRoot();
    writeLog(root, backtests(30));
    await index(root);
    const url = await database();
    const report = await syncOnce(root, url);
    expect(report).toMatchObject({ changed: 30, runs: 30, advanced: true, escaped: 0 });

    const reader = openIndexReader({ root });
    const runs = openPostgresRuns({ url });
    try {
      const all = await listRuns(reader, { limit: 1000 });
      expect(all).toHaveLength(30);
      expect(await runs.listRuns({ limit: 1000 })).toEqual(all);
      for (const filter of [
        { status: "failed" },
        { type: "baseline", limit: 3 },
        { createdFrom: 0, createdTo: 1 },
      ]) {
        expect(await runs.listRuns(filter)).toEqual(await listRuns(reader, filter));
      }
      const from = Date.parse(all[10]!.created_at!);
      expect(await runs.listRuns({ createdFrom: from })).toEqual(
        await listRuns(reader, { createdFrom: from }),
      );
      for (const run of all) {
        const detail = await runDetail(reader, run.run_id);
        expect(detail?.artifacts.length).toBe(run.status === "succeeded" ? 2 : 0);
        expect(await runs.runDetail(run.run_id)).toEqual(detail);
      }
      expect(await runs.runDetail("no-such-run")).toBeUndefined();
    } finally {
      reader.close();
      await runs.close();
    }

    const { runs: rows } = await mirrorRows(url);
    const failed = rows.find((r) => r.status === "failed") as Record<string, unknown>;
    expect(failed).toMatchObject({
      failed_phase: "execute",
      trial_count: 12,
      best_trial: "t-8",
      best_metric: 2.96,
    });
    expect(failed.events_file).toMatch(/^day=2026-01-05\/part-000001\.jsonl$/);
    expect(rows.every((r) => (r as { events_offset: string | null }).events_offset !== null)).toBe(true);
    expect(rows.find((r) => r.status === "succeeded")).toMatchObject({
      failed_phase: null,
      output_paths: ["summary.json", "trades.parquet"],
      git: { commit: "0123456789abcdef0123456789abcdef01234567", branch: "main" },
    });
  });

  it("writes nothing on a second sync, and only the changed runs after more events", async () => {
    const root = tempRoot();
    writeLog(root, backtests(10));
    await index(root);
    const url = await database();
    await syncOnce(root, url);
    const before = await mirrorRows(url);
    expect(await syncOnce(root, url)).toMatchObject({ changed: 0, runs: 0, phases: 0, advanced: false });
    expect(await mirrorRows(url)).toEqual(before);

    writeLog(root, backtests(3, "late"), "2026-01-06");
    await index(root);
    expect(await syncOnce(root, url)).toMatchObject({ changed: 3, runs: 3, advanced: true });
    expect((await mirrorRows(url)).runs).toHaveLength(13);
  });

  it("times each step of a sync, and tells when no sync is running", async () => {
    const root = tempRoot();
    writeLog(root, backtests(5));
    await index(root);
    const sync = await openPgSync({ url: await database(), root });
    try {
      await sync.idle();
      let done = false;
      const running = sync.sync().then((report) => {
        done = true;
        return report;
      });
      await sync.idle();
      expect(done).toBe(true);
      const report = await running;
      expect(Object.keys(report.steps)).toEqual([
        "begin",
        "offsets",
        "changed",
        "read",
        "copy",
        "checkpoint",
        "commit",
      ]);
      expect(Object.values(report.steps).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(report.durationMs);
    } finally {
      await sync.close();
    }
  });

  it("gives the same rows for a shuffled stream, indexed over several rounds, as for the ordered one", async () => {
    const events = backtests(12);
    const ordered = tempRoot();
    writeLog(ordered, events);
    await index(ordered);
    const orderedUrl = await database();
    await syncOnce(ordered, orderedUrl);

    // Backwards, a round each: completions and artifacts, then phases and trials in a scrambled
    // order, then starts, then creations; each round indexed and synced.
    const shuffledRoot = tempRoot();
    const shuffledUrl = await database();
    const round = (e: Event) =>
      ({ "run.completed": 0, "artifact.created": 0, "run.started": 2, "run.created": 3 })[e.event_type] ?? 1;
    for (let r = 0; r < 4; r++) {
      const batch = events
        .filter((e) => round(e) === r)
        .sort((a, b) => (hash(String(a.event_id)) % 97) - (hash(String(b.event_id)) % 97));
      writeLog(shuffledRoot, batch);
      await index(shuffledRoot);
      expect(await syncOnce(shuffledRoot, shuffledUrl)).toMatchObject({ advanced: true });
    }
    // The pointer to each run's first line differs by construction: the lines are elsewhere.
    const withoutOffsets = async (url: string) => {
      const rows = await mirrorRows(url);
      return { ...rows, runs: rows.runs.map(({ events_offset, ...run }) => run) };
    };
    const a = await withoutOffsets(orderedUrl);
    const b = await withoutOffsets(shuffledUrl);
    expect(b.runs).toHaveLength(12);
    expect(b).toEqual(a);
  });

  it("stores a NUL inside JSON strings escaped, counts it, and keeps syncing", async () => {
    const root = tempRoot();
    const events = backtests(4);
    const created = events.find((e) => e.event_type === "run.created" && e.run_id === "run-000001")!;
    created.config = { "note\u0000": "a\u0000b", nested: ["\u0000"] };
    created.data_fingerprint = "fp\u0000x";
    const completed = events.find((e) => e.event_type === "run.completed" && e.run_id === "run-000001")!;
    completed.summary = { error: "bad\u0000byte" };
    writeLog(root, events);
    await index(root);
    const url = await database();
    const report = await syncOnce(root, url);
    expect(report).toMatchObject({ changed: 4, runs: 4, escaped: 5 });
    const { runs } = await mirrorRows(url);
    expect(runs.find((r) => r.run_id === "run-000001")).toMatchObject({
      config: { "note\\u0000": "a\\u0000b", nested: ["\\u0000"] },
      data_fingerprint: "fp\\u0000x",
      summary: { error: "bad\\u0000byte" },
    });
    const state = await query(url, "SELECT escaped_values::int AS n FROM ledger_sync_state");
    expect(state).toEqual([{ n: 5 }]);
    // The escaped row is stable: syncing again changes nothing.
    writeLog(root, backtests(1, "after"), "2026-01-06");
    await index(root);
    expect(await syncOnce(root, url)).toMatchObject({ changed: 1, runs: 1, escaped: 0 });
  });

  it("carries tabs, line breaks, backslashes and escapes as they are, beside a run that needs escaping", async () => {
    const root = tempRoot();
    const events = backtests(4);
    const of = (run: string, type: string) => events.filter((e) => e.run_id === run && e.event_type === type);
    const created = of("run-000000", "run.created")[0]!;
    created.data_fingerprint = "a\tb\nc\rd\\e\\N";
    created.config = { "k\t": "line1\nline2", "back\\slash": "\\", é: "😀 \u00e9", n: null };
    // Not an escape: JSON text with a `\u` in it is written as the runs needing escaping are.
    of("run-000001", "run.created")[0]!.config = { text: "\\u0041 stays" };
    of("run-000000", "run.completed")[0]!.summary = { path: "C:\\runs\\\\x", quote: '"q"' };
    for (const phase of [...of("run-000000", "phase.started"), ...of("run-000000", "phase.completed")]) {
      if (phase.phase === "execute") phase.phase = "exec\tute\\";
    }
    for (const artifact of of("run-000003", "artifact.created")) artifact.path = `dir\\${artifact.path}\n.`;
    of("run-000002", "run.created")[0]!.config = { held: "a\u0000b" };
    writeLog(root, events);
    await index(root);
    const url = await database();
    expect(await syncOnce(root, url)).toMatchObject({ changed: 4, runs: 4, escaped: 1 });
    const reader = openIndexReader({ root });
    const runs = openPostgresRuns({ url });
    try {
      for (const run of ["run-000000", "run-000001", "run-000003"]) {
        const detail = await runDetail(reader, run);
        expect(await runs.runDetail(run)).toEqual(detail);
      }
      expect((await runs.runDetail("run-000000"))?.phases.map((p) => p.phase)).toContain("exec\tute\\");
      expect((await runs.runDetail("run-000002"))?.run.config).toEqual({ held: "a\\u0000b" });
    } finally {
      reader.close();
      await runs.close();
    }
    expect(await syncOnce(root, url)).toMatchObject({ advanced: false, runs: 0 });
  });

  it("refuses a URL that is not PostgreSQL's, and a server that does not answer, with typed errors", async () => {
    const root = tempRoot();
    await expect(openPgSync({ root, url: "mysql://localhost/x" })).rejects.toBeInstanceOf(PostgresUrlError);
    await expect(openPgSync({ root, url: "not a url" })).rejects.toBeInstanceOf(PostgresUrlError);
    const error = await openPgSync({ root, url: "postgres://postgres:secret@127.0.0.1:1/x" }).catch((e) => e);
    expect(error).toBeInstanceOf(PostgresConnectError);
    expect(error.code).toBe("LEDGER_PG_UNREACHABLE");
    expect(error.message).not.toContain("secret");
  });
});

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
