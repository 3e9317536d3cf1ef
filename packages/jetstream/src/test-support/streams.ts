import { type ConsumerInfo, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

/** Every message a stream holds, in order (for tests: it reads them one request at a time). */
export async function storedMessages(servers: string | string[], stream: string): Promise<StoredMsg[]> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    const { first_seq, last_seq, messages: count } = (await jsm.streams.info(stream)).state;
    const messages: StoredMsg[] = [];
    for (let seq = first_seq; count > 0 && seq <= last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      if (msg) messages.push(msg);
    }
    return messages;
  } finally {
    await nc.close();
  }
}

/** A durable consumer's state: what it has delivered, what waits for an ack. */
export async function consumerInfo(
  servers: string | string[],
  stream: string,
  durable: string,
): Promise<ConsumerInfo> {
  const nc = await connect({ servers });
  try {
    return await (await jetstreamManager(nc)).consumers.info(stream, durable);
  } finally {
    await nc.close();
  }
}
