import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
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

const SOCKET_CHANNEL = "net.client.socket";

/**
 * Runs one connection attempt and, if it fails, destroys the sockets it opened to the servers.
 * The client leaves open the socket of an attempt that timed out before the server's greeting (it
 * closes only sockets that completed the handshake): a server that accepts connections but never
 * answers (frozen, overloaded) would then keep this process alive for as long as it holds them.
 */
async function withoutLeftoverSockets<T>(servers: string | string[], attempt: () => Promise<T>): Promise<T> {
  const ports = new Set(
    (Array.isArray(servers) ? servers : servers.split(",")).map((s) => {
      const port = /:(\d+)\/?$/.exec(s.trim())?.[1];
      return port === undefined ? 4222 : Number(port);
    }),
  );
  const opened: Socket[] = [];
  const note = (message: unknown) => opened.push((message as { socket: Socket }).socket);
  subscribe(SOCKET_CHANNEL, note);
  try {
    return await attempt();
  } catch (error) {
    for (const socket of opened) {
      if (!socket.destroyed && (socket.connecting || ports.has(socket.remotePort ?? -1))) socket.destroy();
    }
    throw error;
  } finally {
    unsubscribe(SOCKET_CHANNEL, note);
  }
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
      return await withoutLeftoverSockets(options.servers, () =>
        connect({
          servers: options.servers,
          name: options.name ?? "ledger",
          timeout: Math.max(remaining, 1),
          maxReconnectAttempts: -1,
          reconnectTimeWait: RETRY_MS,
          reconnectJitter: 50,
          pingInterval: 5_000,
          maxPingOut: 2,
        }),
      );
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
