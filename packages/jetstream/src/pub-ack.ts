import type { Msg } from "@nats-io/transport-node";

/** JetStream's answer to a publish: where the message is stored. */
export interface PubAck {
  stream: string;
  /** The message's sequence in the stream. */
  seq: number;
  /** True when the stream already held a message with this id (a retry inside the duplicate window). */
  duplicate: boolean;
}

export type PublishReply =
  | { kind: "ack"; ack: PubAck }
  /** Nobody stored it yet, and waiting may change that: no responders, no leader, JetStream busy. */
  | { kind: "retry"; reason: string }
  | { kind: "reject"; reason: string };

interface PubAckJson {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

/** Reads the reply to a publish: a PubAck, a JetStream API error, or a status such as no responders. */
export function readPublishReply(msg: Msg): PublishReply {
  const status = msg.headers?.code ?? 0;
  if (status >= 300 || (msg.data.length === 0 && msg.headers?.hasError)) {
    // 503 is no responders: no stream (or no leader for it) listens on the subject right now.
    const what =
      status === 503 ? "no responders" : `status ${status} ${msg.headers?.description ?? ""}`.trim();
    return status >= 500 || status === 408
      ? { kind: "retry", reason: what }
      : { kind: "reject", reason: what };
  }
  let json: PubAckJson;
  try {
    json = JSON.parse(msg.string()) as PubAckJson;
  } catch {
    return { kind: "reject", reason: `unreadable publish ack: ${msg.string().slice(0, 120)}` };
  }
  if (json.error) {
    const reason = `${json.error.description ?? "error"} (${json.error.code}/${json.error.err_code})`;
    return (json.error.code ?? 0) >= 500 ? { kind: "retry", reason } : { kind: "reject", reason };
  }
  if (typeof json.stream !== "string" || typeof json.seq !== "number") {
    return { kind: "reject", reason: `publish ack without stream and seq: ${msg.string().slice(0, 120)}` };
  }
  return { kind: "ack", ack: { stream: json.stream, seq: json.seq, duplicate: json.duplicate === true } };
}
