import { once } from "node:events";
import type { ServerResponse } from "node:http";

export function json(response: ServerResponse, status: number, body: unknown): void {
  jsonText(response, status, JSON.stringify(body));
}

/** A body that is JSON text already. */
export function jsonText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
  response.end(text);
}

export function problem(response: ServerResponse, status: number, message: string): void {
  json(response, status, { error: message });
}

/** Writes and, when the client is slower than the log, waits for it: memory stays flat. */
export async function writeWithBackpressure(response: ServerResponse, chunk: string): Promise<void> {
  if (!response.write(chunk)) await once(response, "drain");
}

/**
 * Starts a Server-Sent Events response: its headers, the client's reconnect delay, and a comment
 * line every `heartbeatMs` so proxies keep an idle stream open. Returns what stops the heartbeat.
 */
export function openEventStream(response: ServerResponse, heartbeatMs = 15_000): () => void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.write("retry: 2000\n\n");
  const heartbeat = setInterval(() => response.write(": heartbeat\n\n"), heartbeatMs);
  return () => clearInterval(heartbeat);
}
