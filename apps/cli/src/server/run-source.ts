import {
  bestTrials,
  type IndexReader,
  listRuns,
  type RunDetail,
  type RunFilter,
  type RunListItem,
  runDetail,
} from "@ledger/indexer";
import type { BestTrials } from "./runs.js";

/** Where `GET /runs` and `GET /runs/{id}` read runs from: the local index, or PostgreSQL. */
export interface RunSource {
  /** For messages: "the index", "PostgreSQL". */
  readonly name: string;
  list(filter: RunFilter): Promise<RunListItem[]>;
  detail(runId: string): Promise<RunDetail | undefined>;
  /** The best trial of each run named, for listings with `fields=best`. */
  best: BestTrials;
  close(): Promise<void>;
}

/** Runs from the published index, through the reader the server shares with event replay. */
export function indexRunSource(reader: IndexReader): RunSource {
  return {
    name: "the index",
    list: (filter) => listRuns(reader, filter),
    detail: (runId) => runDetail(reader, runId),
    best: (ids) => bestTrials(reader, ids),
    close: async () => {},
  };
}

/**
 * Runs from the PostgreSQL mirror that `pg-sync` keeps, checked to answer before the server
 * starts, so a bad URL or a database never synced is one error at start rather than one per request.
 */
export async function postgresRunSource(url: string): Promise<RunSource> {
  const { openPostgresRuns } = await import("@ledger/postgres");
  const runs = openPostgresRuns({ url });
  try {
    await runs.check();
  } catch (error) {
    await runs.close();
    throw error;
  }
  return {
    name: "PostgreSQL",
    list: (filter) => runs.listRuns(filter),
    detail: (runId) => runs.runDetail(runId),
    best: (ids) => runs.bestTrials(ids),
    close: () => runs.close(),
  };
}
