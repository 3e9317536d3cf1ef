import { setTimeout as delay } from "node:timers/promises";
import { followPgSync, type PgSync, redactUrl } from "@ledger/postgres";
import { describeSteps } from "../handlers/pg-sync-steps.js";
import { dim, out } from "../output/print.js";
import { type FromMirror, mirrorHealth, type ToMirror } from "./messages.js";

/**
 * The process `ledger daemon --pg` keeps PostgreSQL up to the index in. Run beside the daemon
 * on its own event loop, a sync neither waits for a round nor holds one up; the daemon wakes it
 * after each publication. It stops when told to (SIGTERM) or when the daemon is gone, even
 * killed with SIGKILL (the IPC channel closes).
 */

/** How often the lag is measured between syncs (it reads the log past the mirror's checkpoint). */
const MEASURE_EVERY_MS = 1000;

/** How often unchanged figures are sent all the same, so the daemon's `measuredMs` stays recent. */
const RESEND_EVERY_MS = 10_000;

const controller = new AbortController();
const stop = () => controller.abort();
process.once("disconnect", stop);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

let wake = () => {};
process.on("message", (message: ToMirror) => {
  if (message.type === "wake") wake();
  else if (message.type === "start")
    void mirror(message).finally(() => {
      if (process.connected) process.disconnect();
    });
});

async function mirror({ url, root, verbose }: { url: string; root: string; verbose: boolean }) {
  const { signal } = controller;
  let sync: PgSync | undefined;
  let error: string | undefined;
  let sent = { figures: "", atMs: 0 };
  const report = () => {
    const health = mirrorHealth(redactUrl(url), sync?.lag(), error);
    // Only what changed, or what has not been sent for a while: each report is a write of the
    // daemon's health file.
    const { measuredMs, ...figures } = health;
    const text = JSON.stringify(figures);
    if (text === sent.figures && measuredMs - sent.atMs < RESEND_EVERY_MS) return;
    sent = { figures: text, atMs: measuredMs };
    if (process.connected) process.send?.({ type: "health", health } satisfies FromMirror, () => {});
  };
  const failed = (e: unknown) => {
    error = (e as Error).message;
    report();
    process.stderr.write(`ledger daemon: PostgreSQL sync failed, retrying: ${error}\n`);
  };
  const measuring = setInterval(report, MEASURE_EVERY_MS);
  try {
    // PostgreSQL away, even at the start, never ends the mirror: it retries until stopped.
    while (!signal.aborted) {
      try {
        await followPgSync({
          url,
          root,
          signal,
          onOpen: (opened) => {
            sync = opened;
          },
          wakeWith: (wakeNow) => {
            wake = wakeNow;
          },
          onSync: (synced, e) => {
            if (e) return failed(e);
            error = undefined;
            report();
            if (synced && verbose)
              out(
                dim(`${new Date().toISOString()} PostgreSQL +${synced.runs} runs; ${describeSteps(synced)}`),
              );
          },
        });
      } catch (e) {
        failed(e);
        await delay(5000, undefined, { signal }).catch(() => {});
      }
    }
  } finally {
    clearInterval(measuring);
  }
}
