import pg from "pg";
import { PostgresConnectError, PostgresUrlError } from "./errors.js";

/** How long a connection attempt may take before it counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** Checks `url` is a PostgreSQL URL before anything tries to connect with it. */
export function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresUrlError(`not a URL: expected postgres://user:password@host:port/database`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new PostgresUrlError(`${redactUrl(url)} is not a postgres:// or postgresql:// URL`);
  }
}

/** The client settings for `url`, as one process of ledger's names itself to the server. */
export function clientConfig(url: string, applicationName: string): pg.ClientConfig {
  checkUrl(url);
  return {
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  };
}

/**
 * A connected client. A server that goes away while the client is idle emits `error` on it,
 * which would crash the process unhandled: the client is marked broken instead, and its next
 * query fails, which the caller's retry handles.
 */
export async function connectClient(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(url, applicationName));
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new PostgresConnectError(`cannot connect to ${redactUrl(url)}: ${describe(error)}`, {
      cause: error,
    });
  }
  return client;
}

/** The reason a driver or server error gives, in one line. */
export function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).split("\n")[0] || e.code || "unknown error";
  return e.code && !message.includes(e.code) && !/^\w{5}$/.test(e.code) ? `${message} (${e.code})` : message;
}

/** SQLSTATE classes and codes that a later attempt may not meet: lost or refused connections. */
const TRANSIENT_STATES = /^(08|53|57P0|40001|40P01)/;
const TRANSIENT_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Whether `error` is the server going away or not answering, rather than a fault in the request. */
export function isTransient(error: unknown): boolean {
  if (error instanceof PostgresConnectError) return isTransient((error as { cause?: unknown }).cause);
  const e = error as { code?: string; message?: string };
  if (e.code && (TRANSIENT_STATES.test(e.code) || TRANSIENT_ERRNOS.has(e.code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    e.message ?? "",
  );
}
