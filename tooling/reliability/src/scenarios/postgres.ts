import { openIndexer } from "@ledger/indexer";
import { openPgSync } from "@ledger/postgres";
import { mirrorRows, postgresBin, startPostgres, transactionWatcher } from "@ledger/postgres/test-support";
import { child, type Outcome, type Scale, sleep, tempDir } from "../harness.js";

const WRITER = "packages/indexer/src/test-support/writer-child.ts";
const DAEMON = "packages/indexer/src/test-support/daemon-child.ts";
const FOLLOWER = "packages/postgres/src/test-support/follow-child.ts";

/**
 * The PostgreSQL mirror under crashes: while writers append and the daemon publishes, the
 * follower is SIGKILLed again and again, most times inside a sync's transaction, and PostgreSQL
 * itself is restarted in immediate mode now and then. Afterwards, one more sync must leave
 * PostgreSQL equal, row by row, to a fresh sync of the same index into an empty database.
 */
export async function postgresScenario(scale: Scale): Promise<Outcome> {
  if (!postgresBin()) {
    // CI installs PostgreSQL 15: there, its absence is a failure, not a skip.
    const ok = process.env.CI !== "true";
    return { scenario: "postgres", ok, line: "PostgreSQL 15 is not installed", figures: { skipped: true } };
  }
  const dir = tempDir("postgres");
  const root = dir.path;
  const server = await startPostgres();
  try {
    const url = await server.createDatabase("mirror");
    const target = Math.max(20, Math.round(scale.kills / 10));
    let writing = true;
    let runs = 0;
    const writers = (async () => {
      for (let batch = 0; writing; batch++) {
        const w = child(WRITER, [root, `pg-${batch}`, "4"]);
        await w.exited;
        runs += 4;
      }
    })();
    const daemon = child(DAEMON, [root]);
    const watcher = await transactionWatcher(url, "ledger pg-sync");
    /** Waits up to 10 s for the follower to be inside a sync's transaction. */
    const inTransaction = async () => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(2)) {
        if (await watcher.open().catch(() => false)) return true;
      }
      return false;
    };
    let kills = 0;
    let killsInTransaction = 0;
    let restarts = 0;
    let restartsInTransaction = 0;
    try {
      while (kills < target) {
        const follower = child(FOLLOWER, [url, root]);
        // Aimed only once it is connected: before that there is no transaction to hit.
        for (
          const deadline = Date.now() + 60_000;
          Date.now() < deadline && !follower.lines.includes("open");
        )
          await sleep(20);
        if (kills % 10 === 9) {
          // Restarted under a live follower, inside its transaction when it can be caught in one;
          // the follower must retry and carry on.
          if (await inTransaction()) restartsInTransaction++;
          server.restart();
          restarts++;
          await sleep(1500);
        } else {
          if (await inTransaction()) killsInTransaction++;
          await sleep(Math.random() * 25);
        }
        follower.proc.kill("SIGKILL");
        await follower.exited;
        kills++;
      }
    } finally {
      await watcher.close();
      writing = false;
      await writers;
      daemon.proc.kill("SIGTERM");
      await daemon.exited;
    }
    const indexer = await openIndexer({ root, waitForLockMs: 30_000 });
    await indexer.update();
    await indexer.close();
    const syncInto = async (into: string) => {
      const sync = await openPgSync({ url: into, root });
      await sync.sync().finally(() => sync.close());
    };
    await syncInto(url);
    const fresh = await server.createDatabase("fresh");
    await syncInto(fresh);
    const [resumed, clean] = [await mirrorRows(url), await mirrorRows(fresh)];
    const differing = (["runs", "phases", "artifacts"] as const).filter(
      (t) => JSON.stringify(resumed[t]) !== JSON.stringify(clean[t]),
    );
    const ok =
      differing.length === 0 &&
      clean.runs.length === runs &&
      killsInTransaction >= target / 2 &&
      restartsInTransaction >= restarts / 2;
    return {
      scenario: "postgres",
      ok,
      line: `${kills} follower kills (${killsInTransaction} inside a sync's transaction), ${restarts} immediate PostgreSQL restarts (${restartsInTransaction} inside one), ${runs} runs written: mirror after recovery == fresh sync: ${differing.length === 0}${differing.length > 0 ? ` (differs in ${differing.join(", ")})` : ""}, runs in PostgreSQL ${clean.runs.length}`,
      figures: {
        kills,
        killsInTransaction,
        restarts,
        restartsInTransaction,
        runs,
        mirrored: clean.runs.length,
        differing: differing.join(","),
      },
    };
  } finally {
    server.stop();
    dir.rm();
  }
}
