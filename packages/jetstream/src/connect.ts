import { connect, type NatsConnection } from "@nats-io/transport-node";
import { TransportUnavailableError } from "./errors.js";

export interface ConnectOptions {
  /** NATS server URLs, e.g. `nats://127.0.0.1:4222`; several for a cluster. */
  servers: string | string[];
  /** Longest wait for a first connection, retrying meanwhile. @default 30000 */
  connectTimeoutMs?: number;
  /** Connection name shown in the server's monitoring pages. @default "ledger" */
  name?: string;
}

const RETRY_MS = 250;

/** The servers as one string, for messages. */
export function serverList(servers: string | string[]): string {
  return Array.isArray(servers) ? servers.join(",") : servers;
}

/**
 * Connects to NATS, retrying a refused or failed attempt until `connectTimeoutMs`, then rejecting
 * with `TransportUnavailableError`. Once connected, the client reconnects for as long as the
 * connection lives: callers bound their own waits.
 */
export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const deadline = Date.now() + (options.connectTimeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    const remaining = deadline - Date.now();
    try {
      return await connect({
        servers: options.servers,
        name: options.name ?? "ledger",
        timeout: Math.max(remaining, 1),
        maxReconnectAttempts: -1,
        reconnectTimeWait: RETRY_MS,
        reconnectJitter: 50,
        pingInterval: 5_000,
        maxPingOut: 2,
      });
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + RETRY_MS >= deadline) break;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new TransportUnavailableError(
    `no NATS server reachable at ${serverList(options.servers)} within ${options.connectTimeoutMs ?? 30_000} ms (${reason})`,
    lastError,
  );
}
