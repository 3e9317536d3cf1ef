import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { indexLag, openIndexReader, readHealth } from "@ledger/indexer";
import { isSafeId } from "@ledger/schema";
import { authorized } from "./auth.js";
import { PAGE } from "./page.js";
import { json, problem } from "./respond.js";
import { downloadEvents, streamEvents } from "./run-events.js";
import { runList, runSummary } from "./runs.js";

export interface ServeOptions {
  root: string;
  /** When set, every API request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** SSE heartbeat interval. @default 15000 */
  heartbeatMs?: number;
}

const RUN_PATH = /^\/runs\/([^/]+)(\/events)?$/;

/** The HTTP API of DESIGN.md and the web page, over one read-only view of the index. */
export function createLedgerServer(options: ServeOptions): Server {
  const reader = openIndexReader({ root: options.root });
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) problem(response, statusOf(error), messageOf(error));
      else response.end();
    });
  });
  server.on("close", () => reader.close());

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "GET") return problem(response, 405, "only GET is served");
    if (url.pathname === "/" || url.pathname === "/index.html") {
      // The page holds no data; what it shows comes from the API, which checks the token.
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(PAGE);
      return;
    }
    if (!authorized(request, options.token)) {
      response.setHeader("www-authenticate", 'Bearer realm="ledger"');
      return problem(response, 401, "missing or wrong bearer token");
    }
    if (url.pathname === "/health") {
      const lag = await indexLag(reader, options.root);
      return json(response, 200, { daemon: readHealth(options.root) ?? null, lag });
    }
    if (url.pathname === "/runs")
      return json(response, 200, { runs: await runList(reader, url.searchParams) });
    const match = RUN_PATH.exec(url.pathname);
    if (!match) return problem(response, 404, `no route ${url.pathname}`);
    const runId = decodeURIComponent(match[1] ?? "");
    if (!isSafeId(runId)) return problem(response, 400, "invalid run id");
    if (!match[2]) {
      const detail = await runSummary(reader, runId);
      return detail ? json(response, 200, detail) : problem(response, 404, `no run ${runId} in the index`);
    }
    const controller = new AbortController();
    response.on("close", () => controller.abort());
    const base = { root: options.root, runId, reader, signal: controller.signal };
    if (url.searchParams.get("stream") !== "true") return downloadEvents(response, base);
    const fromSequence = cursorOf(url.searchParams.get("from_sequence"), request.headers["last-event-id"]);
    if (fromSequence === undefined)
      return problem(response, 400, "from_sequence and Last-Event-ID must be integers");
    return streamEvents(response, {
      ...base,
      fromSequence,
      ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    });
  }
  return server;
}

/** `from_sequence=N` starts at N; `Last-Event-ID: N` (a reconnect) resumes after N. */
function cursorOf(from: string | null, lastEventId: string | string[] | undefined): number | undefined {
  const last = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  if (last !== undefined && last !== "") return /^\d+$/.test(last) ? Number(last) + 1 : undefined;
  if (from === null || from === "") return 0;
  return /^\d+$/.test(from) ? Number(from) : undefined;
}

function statusOf(error: unknown): number {
  const code = (error as { code?: string }).code;
  if (code === "LEDGER_INDEX_MISSING") return 503;
  if (code === "LEDGER_BAD_REQUEST") return 400;
  return 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "error") : "error";
}
