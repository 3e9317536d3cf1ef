import { ensureStream } from "@ledger/jetstream";
import type { JetStreamInitArgs } from "../commands/jetstream/init.js";
import { natsServers } from "../commands/jetstream/options.js";
import { out } from "../output/print.js";

export async function jetstreamInit(args: JetStreamInitArgs): Promise<void> {
  const servers = natsServers(args.nats);
  const stream = await ensureStream({
    servers,
    stream: args.stream,
    subjectPrefix: args["subject-prefix"],
    replicas: args.replicas as 1 | 3,
    duplicateWindowMs: args["duplicate-window"] * 1000,
    maxAgeMs: args["max-age"] * 1000,
    connectTimeoutMs: 10_000,
  });
  if (args.json) {
    out(JSON.stringify({ servers, ...stream }));
    return;
  }
  out(
    `stream ${stream.stream} ${stream.action} on ${servers.join(",")}: subjects ${stream.subjects.join(" ")}, ` +
      `${stream.replicas} replica${stream.replicas === 1 ? "" : "s"}, duplicate window ${stream.duplicateWindowMs / 1000} s`,
  );
}
