import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type IndexReader, openIndexReader, runTrialColumnsJson } from "@ledger/indexer";
import { firstLine, isSafeId } from "@ledger/schema";
import { encodeCursor, type LogCursor, parseCursor } from "@ledger/writer";
import { describeError } from "../errors.js";
import { downloadArtifact } from "./artifacts.js";
import { authorized } from "./auth.js";
import { json, jsonText, problem } from "./respond.js";
import { downloadEvents, streamEvents } from "./run-events.js";
import { indexRunSource, type RunSource } from "./run-source.js";
import { runList } from "./runs.js";
import { healthOf, streamRunChanges } from "./runs-stream.js";
import { loadStaticFiles } from "./static.js";

export interface ServeOptions {
  root: string;
  /** When set, every API request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** SSE heartbeat interval. @default 15000 */
  heartbeatMs?: number;
  /** How often `GET /runs?stream=true` looks for changed runs. @default 1000 */
  changesIntervalMs?: number;
  /**
   * Where `GET /runs` and `GET /runs/{id}` read runs from; closed with the server. Events are
   * always read from the log. @default the published index under `root`
   */
  runs?: RunSource;
}

const RUN_PATH = /^\/runs\/([^/]+)(?:\/(events|trials)|\/artifacts\/(.+))?$/;

/** The HTTP API of DESIGN.md and the web page, over one read-only view of the index. */
export function createLedgerServer(options: ServeOptions): Server {
  const reader = openIndexReader({ root: options.root });
  const runs = options.runs ?? indexRunSource(reader);
  const files = loadStaticFiles({ tokenRequired: options.token !== undefined });
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) problem(response, statusOf(error), messageOf(error));
      else response.end();
    });
  });
  server.on("close", () => {
    reader.close();
    void runs.close();
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "GET") return problem(response, 405, "only GET is served");
    const file = files.get(url.pathname);
    if (file) {
      // The page holds no data; what it shows comes from the API, which checks the token.
      response.writeHead(200, { "content-type": file.type, "cache-control": "no-cache" });
      response.end(file.body);
      return;
    }
    if (!authorized(request, options.token)) {
      response.setHeader("www-authenticate", 'Bearer realm="ledger"');
      return problem(response, 401, "missing or wrong bearer token");
    }
    if (url.pathname === "/health") return json(response, 200, await healthOf(reader, options.root));
    const controller = new AbortController();
    response.on("close", () => controller.abort());
    if (url.pathname === "/runs") {
      if (url.searchParams.get("stream") !== "true") {
        // Taken before the listing, as the change stream's `ready` gives it: equal, nothing
        // changed between the two.
        const cursor = options.runs ? null : await indexCursor(reader);
        return json(response, 200, { runs: await runList(runs, url.searchParams), cursor });
      }
      return streamRunChanges(response, {
        root: options.root,
        reader,
        ...(options.runs ? { source: options.runs } : {}),
        signal: controller.signal,
        ...(options.changesIntervalMs !== undefined ? { intervalMs: options.changesIntervalMs } : {}),
        ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      });
    }
    const match = RUN_PATH.exec(url.pathname);
    if (!match) return problem(response, 404, `no route ${url.pathname}`);
    const runId = decodeURIComponent(match[1] ?? "");
    if (!isSafeId(runId)) return problem(response, 400, "invalid run id");
    if (match[2] === "trials") {
      // Taken before the trials, so events past it cover whatever the trials lack.
      const cursor = await indexCursor(reader);
      // DuckDB's JSON as it is (megabytes at 50,000 trials), with the cursor put in beside it.
      const columns = await runTrialColumnsJson(reader, runId);
      return jsonText(response, 200, `${columns.slice(0, -1)},"cursor":${JSON.stringify(cursor)}}`);
    }
    if (match[3] !== undefined) {
      const detail = await runs.detail(runId);
      if (!detail) return problem(response, 404, `no run ${runId} in ${runs.name}`);
      return downloadArtifact(response, options.root, detail, decodeURIComponent(match[3]));
    }
    if (match[2] !== "events") {
      // As for the trials: events past this cursor cover whatever the detail lacks.
      const cursor = options.runs ? null : await indexCursor(reader);
      const detail = await runs.detail(runId);
      return detail
        ? json(response, 200, { ...detail, cursor })
        : problem(response, 404, `no run ${runId} in ${runs.name}`);
    }
    const base = { root: options.root, runId, reader, signal: controller.signal };
    if (url.searchParams.get("stream") !== "true") return downloadEvents(response, base);
    const start = startOf(url.searchParams, request.headers["last-event-id"]);
    if (typeof start === "string") return problem(response, 400, start);
    return streamEvents(response, {
      ...base,
      ...start,
      ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    });
  }
  return server;
}

/**
 * Where a stream starts. A reconnect's `Last-Event-ID` wins, then `cursor` (both a cursor the
 * stream issued), then `from_sequence=N` (replay from the N-th event of each writer; a bare
 * number as `Last-Event-ID` is taken the same way, as N-1, for clients of the per-seq ids).
 * A string is the reason the request is refused.
 */
function startOf(
  params: URLSearchParams,
  lastEventId: string | string[] | undefined,
): { after?: LogCursor; fromSequence?: number } | string {
  const last = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  const token = last || params.get("cursor");
  if (token) {
    if (/^\d+$/.test(token)) return { fromSequence: Number(token) + 1 };
    try {
      return { after: parseCursor(token) };
    } catch (error) {
      return (error as Error).message;
    }
  }
  const from = params.get("from_sequence");
  if (from === null || from === "") return {};
  return /^\d+$/.test(from) ? { fromSequence: Number(from) } : "from_sequence must be an integer";
}

/**
 * Where the published index has read the log up to, as an event-stream cursor: a stream resumed
 * from it sends what happened after the index's copy. Null before an index is published.
 */
async function indexCursor(reader: IndexReader): Promise<string | null> {
  return reader.exists() ? encodeCursor(await reader.checkpoints("runs")) : null;
}

function statusOf(error: unknown): number {
  const code = (error as { code?: string }).code;
  if (code === "LEDGER_INDEX_MISSING" || code === "LEDGER_PG_QUERY") return 503;
  if (code === "LEDGER_BAD_REQUEST" || code === "LEDGER_INVALID_ID") return 400;
  return 500;
}

/** One line, worded as the CLI words it (a missing index says how to build one). */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return "error";
  const typed = typeof (error as { code?: unknown }).code === "string";
  return firstLine(typed ? describeError(error as Error & { code: string }) : error);
}
