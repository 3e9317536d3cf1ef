import { linkSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { INDEX_DATABASES, openIndexer, openIndexReader } from "@ledger/indexer";
// The indexer's own test digest: every projected table, row by row.
import { indexDigest } from "@ledger/indexer/test-support";
import { validateEvent } from "@ledger/schema";
import { readLog } from "@ledger/writer";
import { child, type Outcome, type Scale, sleep, tempDir } from "../harness.js";

const WRITER = "packages/writer/src/test-support/append-child.ts";
const DAEMON = "packages/indexer/src/test-support/daemon-child.ts";

/**
 * Four writer processes append in fsync mode while the daemon indexes; writers are SIGKILLed at
 * random points (and the daemon now and then), each replaced by a new one that takes over the
 * part files the dead one left.
 */
export async function crashScenario(scale: Scale): Promise<Outcome> {
  const dir = tempDir("crash");
  const root = dir.path;
  try {
    const acked = new Set<string>();
    let kills = 0;
    let daemon = child(DAEMON, [root]);
    let daemonKills = 0;
    const slot = async (n: number) => {
      while (kills < scale.kills) {
        const w = child(WRITER, [root, `crash-run-${n}`, "0", "8", "fsync"]);
        const started = Date.now();
        while (w.lines.length === 0 && Date.now() - started < 15_000) await sleep(10);
        await sleep(Math.random() * 250);
        w.proc.kill("SIGKILL");
        await w.exited;
        for (const id of w.lines) acked.add(id);
        kills++;
      }
    };
    // The daemon is killed too, every few seconds, wherever it is in a round.
    let writing = true;
    const daemonKiller = (async () => {
      while (writing) {
        await sleep(2000 + Math.random() * 4000);
        if (!writing) break;
        daemon.proc.kill("SIGKILL");
        await daemon.exited;
        daemonKills++;
        daemon = child(DAEMON, [root]);
      }
    })();
    await Promise.all([0, 1, 2, 3].map(slot));
    writing = false;
    await daemonKiller;
    daemon.proc.kill("SIGTERM");
    await daemon.exited;
    const seen = new Set<string>();
    let corrupt = 0;
    let problems = 0;
    for await (const { event } of readLog({ root, onProblem: () => problems++ })) {
      if (!validateEvent(event).ok) corrupt++;
      seen.add(event.event_id);
    }
    const lost = [...acked].filter((id) => !seen.has(id)).length;
    let quarantined = 0;
    try {
      quarantined = readdirSync(join(root, "events", "_quarantine")).length;
    } catch {
      // no torn tail was ever found
    }
    const indexer = await openIndexer({ root, waitForLockMs: 30_000 });
    const reader = openIndexReader({ root });
    await indexer.update();
    const incremental = await indexDigest(reader);
    // Hard links keep the recovered index past the rebuild, so a mismatch can be shown by row.
    const kept = join(root, "recovered");
    mkdirSync(kept);
    for (const db of INDEX_DATABASES)
      linkSync(join(root, "index", `${db}.duckdb`), join(kept, `${db}.duckdb`));
    await indexer.rebuild();
    const rebuilt = await indexDigest(reader);
    reader.close();
    await indexer.close();
    const differing = Object.keys(incremental).filter((table) => incremental[table] !== rebuilt[table]);
    const same = differing.length === 0;
    const difference = same
      ? ""
      : `; ${await describeDifference(kept, join(root, "index"), differing, incremental, rebuilt)}`;
    const ok = lost === 0 && corrupt === 0 && same;
    return {
      scenario: "crash",
      ok,
      line: `${kills} writer kills + ${daemonKills} daemon kills: acknowledged ${acked.size}, lost ${lost}, corrupt lines returned ${corrupt}, torn tails quarantined ${quarantined}, lines skipped by readers ${problems}, index after recovery == full rebuild: ${same}${difference}`,
      figures: {
        kills,
        daemonKills,
        acknowledged: acked.size,
        lost,
        corrupt,
        quarantined,
        problems,
        indexEqualsRebuild: same,
      },
    };
  } finally {
    dir.rm();
  }
}

/**
 * Each table that differs between the recovered index and the rebuilt one: both row counts and
 * a few rows found in only one of them, so a failure in CI says what went wrong.
 */
async function describeDifference(
  recovered: string,
  rebuilt: string,
  tables: string[],
  recoveredDigest: Record<string, string>,
  rebuiltDigest: Record<string, string>,
): Promise<string> {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    for (const db of INDEX_DATABASES) {
      await c.run(`ATTACH '${join(recovered, `${db}.duckdb`)}' AS recovered_${db} (READ_ONLY)`);
      await c.run(`ATTACH '${join(rebuilt, `${db}.duckdb`)}' AS rebuilt_${db} (READ_ONLY)`);
    }
    const parts: string[] = [];
    for (const qualified of tables) {
      const [db, table] = qualified.includes(".") ? qualified.split(".") : ["runs", qualified];
      const [a, b] = [`recovered_${db}.${table}`, `rebuilt_${db}.${table}`];
      const only = async (x: string, y: string) =>
        (await c.runAndReadAll(`SELECT t::VARCHAR FROM (FROM ${x} EXCEPT ALL FROM ${y}) t LIMIT 3`))
          .getRows()
          .map(([row]) => String(row).slice(0, 240));
      // A digest is "count md5".
      const count = (digest: Record<string, string>) => digest[qualified]?.split(" ")[0];
      parts.push(
        `${qualified}: ${count(recoveredDigest)} rows recovered vs ${count(rebuiltDigest)} rebuilt, only recovered ${JSON.stringify(await only(a, b))}, only rebuilt ${JSON.stringify(await only(b, a))}`,
      );
    }
    return parts.join("; ");
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
