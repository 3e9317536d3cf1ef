import { join } from "node:path";
import { assertSafeId } from "./identifiers.js";

/** Where the ledger lives when neither `--root` nor `LEDGER_ROOT` says otherwise. */
export const DEFAULT_ROOT = "data/ledger";

/** `--root`, else `LEDGER_ROOT`, else `./data/ledger`. */
export function resolveRoot(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.LEDGER_ROOT ?? DEFAULT_ROOT;
}

/** Every well-known path under a ledger root, so no package spells them on its own. */
export interface LedgerPaths {
  root: string;
  events: string;
  schemaFile: string;
  quarantine: string;
  artifacts: string;
  index: string;
  runsDb: string;
  catalogDb: string;
  alertsDb: string;
}

export function ledgerPaths(root: string): LedgerPaths {
  const events = join(root, "events");
  const index = join(root, "index");
  return {
    root,
    events,
    schemaFile: join(events, "_schema.json"),
    quarantine: join(events, "_quarantine"),
    artifacts: join(root, "artifacts"),
    index,
    runsDb: join(index, "runs.duckdb"),
    catalogDb: join(index, "catalog.duckdb"),
    alertsDb: join(index, "alerts.duckdb"),
  };
}

/** `artifacts/runs/{run_id}` under the root; the run id is checked first. */
export function runArtifactsDir(root: string, runId: string): string {
  assertSafeId(runId, "run id");
  return join(root, "artifacts", "runs", runId);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(value);
}

/** The UTC day (`YYYY-MM-DD`) of a millisecond timestamp: the partition an append goes to. */
export function utcDay(timestampMs: number): string {
  return new Date(timestampMs).toISOString().slice(0, 10);
}

/** `day=YYYY-MM-DD`, the partition folder name. */
export function dayDirName(day: string): string {
  return `day=${day}`;
}

/** Parses `day=YYYY-MM-DD` back into the day, or undefined for any other name. */
export function parseDayDirName(name: string): string | undefined {
  if (!name.startsWith("day=")) return undefined;
  const day = name.slice(4);
  return isDay(day) ? day : undefined;
}

/** `part-000001.jsonl` (or `.jsonl.gz`); numbers past 999999 simply widen. */
export function partFileName(part: number, compressed = false): string {
  return `part-${String(part).padStart(6, "0")}.jsonl${compressed ? ".gz" : ""}`;
}

const PART = /^part-(\d{6,})\.jsonl(\.gz)?$/;

export interface PartFileRef {
  day: string;
  part: number;
  compressed: boolean;
}

/**
 * Reads day and part number back out of a part file path (`.../day=2026-01-23/part-000002.jsonl`);
 * undefined for anything that is not a part file, so listings can skip locks and temp files.
 */
export function parsePartPath(path: string): PartFileRef | undefined {
  const parts = path.split(/[\\/]/);
  const file = parts.at(-1) ?? "";
  const dir = parts.at(-2) ?? "";
  const m = PART.exec(file);
  const day = parseDayDirName(dir);
  if (!m || day === undefined) return undefined;
  return { day, part: Number(m[1]), compressed: m[2] !== undefined };
}

/** Path of one part file under the events folder. */
export function partFilePath(eventsDir: string, day: string, part: number, compressed = false): string {
  return join(eventsDir, dayDirName(day), partFileName(part, compressed));
}
