import { once } from "node:events";
import type { ServerResponse } from "node:http";

export function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
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
