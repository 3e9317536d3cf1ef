import { runSink, type Sink, type SinkHealth } from "@ledger/jetstream";
import { resolveRoot } from "@ledger/schema";
import { natsServers } from "../commands/jetstream/options.js";
import type { SinkArgs } from "../commands/sink.js";
import { dim, out } from "../output/print.js";

const counts = (h: SinkHealth) =>
  `${h.landed} landed, ${h.redeliveries} redelivered, ${h.rejected} rejected, ${h.writeFailures} write failures`;

export async function sink(args: SinkArgs): Promise<void> {
  const root = resolveRoot(args.root);
  // Taken from the start: a signal while the sink connects still ends it cleanly once started.
  let stopping = false;
  let running: Sink | undefined;
  const stop = () => {
    stopping = true;
    void running?.stop();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  let ticker: NodeJS.Timeout | undefined;
  try {
    const started = await runSink({
      servers: natsServers(args.nats),
      stream: args.stream,
      durable: args.durable,
      ackWaitMs: args["ack-wait"] * 1000,
      root,
      connectTimeoutMs: 10_000,
      onError: (error, msg) =>
        process.stderr.write(
          `ledger sink: message ${msg.streamSeq} on ${msg.subject}: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
    });
    running = started;
    if (stopping) void started.stop();
    out(
      `landing stream ${args.stream} (consumer ${args.durable}) into ${root} (pid ${process.pid}); SIGTERM or Ctrl-C stops`,
    );
    if (args.verbose) {
      ticker = setInterval(() => out(dim(`${new Date().toISOString()} ${counts(started.health())}`)), 10_000);
    }
    await started.done;
    out(`stopped: ${counts(started.health())}`);
  } finally {
    clearInterval(ticker);
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}
