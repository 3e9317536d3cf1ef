import { type DuckDBConnection, DuckDBInstance, listValue } from "@duckdb/node-api";
import { assertSafeId } from "@ledger/schema";
import { type EventInputLike, openWriter, readLog } from "@ledger/writer";
import { attachLegacy } from "./attach-legacy.js";
import { defaultLegacyLayout, type LegacyLayout, parseLegacyLayout } from "./layout.js";
import { checkLayoutAgainstLegacy } from "./layout-check.js";
import { legacyEventId } from "./legacy-ids.js";
import { legacySql } from "./legacy-sql.js";

export interface BackfillOptions {
  legacyDb: string;
  root: string;
  /** Only runs created before the cutover are backfilled: the rest belong to the new log. */
  cutover: Date;
  /** Checked before anything is read: its shape, then that the legacy file has what it maps. @default defaultLegacyLayout */
  layout?: LegacyLayout;
  /** Runs per database read and per writer batch. @default 500 */
  batchRuns?: number;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  runsDone: number;
  runsTotal: number;
  eventsWritten: number;
  eventsSkipped: number;
}

export interface BackfillReport extends BackfillProgress {
  /** Legacy runs whose id is not a safe ledger id; they cannot be written and are listed here. */
  rejected: { run_id: string; reason: string }[];
}

type Row = Record<string, unknown>;

const ms = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/**
 * Writes the legacy runs created before the cutover into the event log as ordinary events, with
 * their original timestamps, through `@ledger/writer`. Event ids come from legacy keys, so the
 * log is read first and every event already there is skipped: a second run writes nothing, and
 * an interrupted run resumes where it stopped.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const layout = parseLegacyLayout(options.layout ?? defaultLegacyLayout);
  const cutoverMs = options.cutover.getTime();
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  const report: BackfillReport = {
    runsDone: 0,
    runsTotal: 0,
    eventsWritten: 0,
    eventsSkipped: 0,
    rejected: [],
  };
  const runsSql = `SELECT * FROM (${legacySql(layout).runs}) WHERE created_ms < $cutover::BIGINT`;
  let writer: Awaited<ReturnType<typeof openWriter>> | undefined;
  try {
    await attachLegacy(c, options.legacyDb);
    await checkLayoutAgainstLegacy(c, layout);
    const present = await alreadyWritten(c, runsSql, cutoverMs, options.root);
    writer = await openWriter({ root: options.root });
    const total = await c.runAndReadAll(`SELECT count(*) FROM (${runsSql})`, { cutover: cutoverMs });
    report.runsTotal = Number(total.getRows()[0]?.[0] ?? 0);
    const batch = options.batchRuns ?? 500;
    for (let offset = 0; offset < report.runsTotal; offset += batch) {
      const runs = (
        await c.runAndReadAll(`${runsSql} ORDER BY created_ms, run_id LIMIT ${batch} OFFSET ${offset}`, {
          cutover: cutoverMs,
        })
      ).getRowObjectsJson() as Row[];
      const ids = runs.map((run) => String(run.run_id));
      const children = await childRows(c, layout, ids);
      const events: EventInputLike[] = [];
      for (const run of runs) {
        const runId = String(run.run_id);
        try {
          assertSafeId(runId, "run id");
        } catch (error) {
          report.rejected.push({ run_id: runId, reason: (error as Error).message });
          continue;
        }
        for (const event of runEvents(run, children.get(runId) ?? emptyChildren())) {
          if (present.has(event.event_id as string)) report.eventsSkipped++;
          else events.push(event);
        }
      }
      if (events.length > 0) await writer.appendMany(events);
      report.eventsWritten += events.length;
      report.runsDone += runs.length;
      options.onProgress?.({ ...report });
    }
  } finally {
    await writer?.close();
    c.closeSync();
    instance.closeSync();
  }
  return report;
}

/**
 * The ids of the events an earlier (perhaps interrupted) backfill already wrote: every event of
 * a legacy run, whichever side of the cutover it fell on, since a run created before the
 * cutover may have completed after it.
 */
async function alreadyWritten(
  c: DuckDBConnection,
  runsSql: string,
  cutoverMs: number,
  root: string,
): Promise<Set<string>> {
  const legacyRuns = new Set(
    (await c.runAndReadAll(`SELECT run_id FROM (${runsSql})`, { cutover: cutoverMs }))
      .getRows()
      .map((row) => String(row[0])),
  );
  const present = new Set<string>();
  for await (const { event } of readLog({ root })) {
    if (event.run_id !== undefined && legacyRuns.has(event.run_id)) present.add(event.event_id);
  }
  return present;
}

interface Children {
  phases: Row[];
  trials: Row[];
  baselines: Row[];
}
const emptyChildren = (): Children => ({ phases: [], trials: [], baselines: [] });

async function childRows(
  c: DuckDBConnection,
  layout: LegacyLayout,
  runIds: string[],
): Promise<Map<string, Children>> {
  const byRun = new Map<string, Children>();
  const get = (id: string) => {
    const entry = byRun.get(id) ?? emptyChildren();
    byRun.set(id, entry);
    return entry;
  };
  const sql = legacySql(layout);
  const ofRuns = (select: string) =>
    c.runAndReadAll(`SELECT * FROM (${select}) WHERE run_id IN (SELECT unnest($ids))`, {
      ids: listValue(runIds),
    });
  const phases = await ofRuns(sql.phases);
  for (const row of phases.getRowObjectsJson() as Row[]) get(String(row.run_id)).phases.push(row);
  // Metrics travel as JSON text: a DuckDB MAP does not read back as a plain object.
  const withJsonMetrics = (select: string) =>
    `SELECT * REPLACE (to_json(metrics)::VARCHAR AS metrics) FROM (${select})`;
  const trials = await ofRuns(withJsonMetrics(sql.trials));
  for (const row of trials.getRowObjectsJson() as Row[]) get(String(row.run_id)).trials.push(row);
  const baselines = await ofRuns(withJsonMetrics(sql.baselines));
  for (const row of baselines.getRowObjectsJson() as Row[]) get(String(row.run_id)).baselines.push(row);
  return byRun;
}

function metricsOf(row: Row): Record<string, number> {
  return typeof row.metrics === "string" ? (JSON.parse(row.metrics) as Record<string, number>) : {};
}

function parseObject(text: unknown): Record<string, unknown> {
  if (typeof text !== "string") return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { legacy_text: text };
  }
}

/** The events a legacy run becomes, in the order its job would have emitted them. */
function runEvents(run: Row, children: Children): EventInputLike[] {
  const runId = String(run.run_id);
  const created = ms(run.created_ms) ?? 0;
  const started = ms(run.started_ms);
  const completed = ms(run.completed_ms);
  const events: EventInputLike[] = [];
  const push = (type: string, at: number, key: string, fields: Record<string, unknown>) =>
    events.push({
      event_type: type,
      event_id: legacyEventId(at, `${runId}/${type}/${key}`),
      timestamp_ms: at,
      run_id: runId,
      seq: events.length + 1,
      ...fields,
    });
  push("run.created", created, "", {
    run_type: String(run.run_type ?? "legacy"),
    config: parseObject(run.config),
    data_fingerprint: String(run.data_fingerprint ?? "legacy-unknown"),
  });
  if (started !== undefined) push("run.started", started, "", {});
  const phases = [...children.phases].sort((a, b) => Number(a.phase_order) - Number(b.phase_order));
  for (const p of phases) {
    const phase = String(p.phase);
    const phaseStarted = ms(p.started_ms);
    const phaseCompleted = ms(p.completed_ms);
    push("phase.started", phaseStarted ?? started ?? created, phase, {
      phase,
      phase_order: Number(p.phase_order ?? 0),
    });
    if (phaseCompleted !== undefined) {
      // A layout with no duration column: the phase's own times say how long it took.
      const duration = p.duration_ms ?? (phaseStarted === undefined ? 0 : phaseCompleted - phaseStarted);
      push("phase.completed", phaseCompleted, phase, {
        phase,
        duration_ms: Math.max(0, Number(duration)),
        output_summary: {},
      });
    }
  }
  for (const t of children.trials) {
    push("trial.recorded", ms(t.recorded_ms) ?? started ?? created, String(t.trial_id), {
      trial_id: String(t.trial_id),
      params: parseObject(t.params),
      metrics: metricsOf(t),
    });
  }
  for (const b of children.baselines) {
    push("baseline.completed", ms(b.completed_ms) ?? completed ?? created, String(b.baseline_id), {
      baseline_id: String(b.baseline_id),
      metrics: metricsOf(b),
    });
  }
  const status = String(run.status);
  if (completed !== undefined && (status === "succeeded" || status === "failed" || status === "cancelled")) {
    push("run.completed", completed, "", {
      status,
      summary: run.summary === null || run.summary === undefined ? {} : parseObject(run.summary),
      artifact_paths: [],
      ...(run.exit_code !== null && run.exit_code !== undefined ? { exit_code: Number(run.exit_code) } : {}),
    });
  }
  return events;
}
