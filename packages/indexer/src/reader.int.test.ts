import { existsSync } from "node:fs";
import { join } from "node:path";
import { createEventIdFactory } from "@ledger/schema";
import { afterEach, describe, expect, it } from "vitest";
import { IndexQueryError } from "./errors.js";
import { openIndexer } from "./indexer.js";
import { type IndexReader, openIndexReader } from "./reader.js";
import { reader, tempRoot, track } from "./test-support/index-fixture.js";
import { backtestEvents, writeLog } from "./test-support/workload.js";

const opened: IndexReader[] = [];
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
});

function indexOnly(root: string): IndexReader {
  const r = openIndexReader({ root, indexOnly: true });
  opened.push(r);
  return r;
}

function alert(id: string) {
  const t = Date.UTC(2026, 0, 5, 9);
  return {
    event_id: createEventIdFactory()(t),
    event_type: "alert.ingested",
    schema_version: 1,
    timestamp_ms: t,
    alert_id: id,
    source: "grafana",
    received_at_ms: t,
    payload: { severity: "page" },
  };
}

const everyDatabase = `SELECT (SELECT count(*) FROM runs_d)::INTEGER AS runs,
  (SELECT count(*) FROM catalog.run_pointers)::INTEGER AS pointers,
  (SELECT count(*) FROM alerts.alerts)::INTEGER AS alerts`;

describe("an index-only reader", () => {
  it("reads runs, catalog and alerts, and no file, extension or setting outside the index", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, [...backtestEvents({ runs: 3, trialsPerRun: 2 }), alert("a1")]);
    await indexer.update();
    const r = indexOnly(root);
    expect((await r.query(everyDatabase))[0]).toEqual({ runs: 3, pointers: 3, alerts: 1 });

    const refused = async (sql: string) => {
      const error = await r.query(sql).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, sql).toBeInstanceOf(IndexQueryError);
      return (error as Error).message;
    };
    const copied = join(root, "copied.csv");
    expect(await refused(`COPY runs_d TO '${copied}'`)).toMatch(/^Permission Error: .*disabled/);
    expect(existsSync(copied)).toBe(false);
    expect(await refused("SELECT * FROM read_text('/etc/hostname')")).toMatch(
      /^Permission Error: .*disabled/,
    );
    expect(await refused("INSTALL httpfs")).toMatch(/^Permission Error: /);
    expect(await refused("LOAD httpfs")).toMatch(/^Permission Error: /);
    expect(await refused(`ATTACH '${join(root, "other.duckdb")}' AS other`)).toMatch(/^Permission Error: /);
    expect(await refused("SET enable_external_access = true")).toMatch(/configuration has been locked/);
    expect(await refused("SET lock_configuration = false")).toMatch(/configuration has been locked/);

    // A new publication opens a new snapshot: it is as closed as the first.
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 2, prefix: "later" }), "2026-01-06");
    await indexer.update();
    expect((await r.query(everyDatabase))[0]).toMatchObject({ runs: 4 });
    expect(await refused("SELECT * FROM read_text('/etc/hostname')")).toMatch(/^Permission Error: /);
  });

  it("is opt-in: other readers keep DuckDB's defaults", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1 }));
    await indexer.update();
    const setting = "SELECT current_setting('enable_external_access') AS on";
    expect(await reader(root).query(setting)).toEqual([{ on: true }]);
    expect(await indexOnly(root).query(setting)).toEqual([{ on: false }]);
  });
});

describe("a reader's queries", () => {
  /** Long enough that a query queued behind it on one connection would surely end after it. */
  const SLOW = "SELECT sum(i * i % 7)::BIGINT AS n FROM range(40000000) t(i)";

  it("run at once: a short query does not wait for a long one", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 1 }));
    await indexer.update();
    const r = reader(root);
    await r.query("SELECT 1");
    const order: string[] = [];
    const slow = r.query(SLOW).then(() => order.push("slow"));
    const quick = r
      .query("SELECT count(*) AS n FROM runs_d")
      .then((rows) => order.push(`quick ${rows[0]?.n}`));
    await Promise.all([slow, quick]);
    expect(order).toEqual(["quick 2", "slow"]);
  });

  it("started before a publication end on their snapshot; later ones see the new one", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 1 }));
    await indexer.update();
    const r = openIndexReader({ root, connections: 2 });
    opened.push(r);
    const count = "SELECT count(*)::INTEGER AS n FROM runs_d";
    // More queries than connections, so some wait for one while the snapshot is replaced.
    const before = [r.query(SLOW), ...Array.from({ length: 6 }, () => r.query(count))];
    await new Promise((resolve) => setTimeout(resolve, 50));
    writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 1, prefix: "later" }), "2026-01-06");
    await indexer.update();
    const after = await r.query(count);
    const answers = await Promise.all(before);
    expect(answers.slice(1).map((rows) => rows[0]?.n)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(after).toEqual([{ n: 5 }]);
    // The replaced snapshot was let go once its queries ended: the indexer can reuse its file.
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1, prefix: "last" }), "2026-01-07");
    await indexer.update();
    expect(await r.query(count)).toEqual([{ n: 6 }]);
  });

  it("pinned to one snapshot read it to the end, though newer data is published between them", async () => {
    const root = tempRoot();
    const indexer = track(await openIndexer({ root }));
    writeLog(root, backtestEvents({ runs: 2, trialsPerRun: 1 }));
    await indexer.update();
    const r = reader(root);
    const count = "SELECT count(*)::INTEGER AS n FROM runs_d";
    const seen = await r.pinned(async ({ query, rows }) => {
      const first = (await query(count))[0]?.n;
      writeLog(root, backtestEvents({ runs: 3, trialsPerRun: 1, prefix: "later" }), "2026-01-06");
      await indexer.update();
      const unpinned = (await r.query(count))[0]?.n;
      const [second, third] = await Promise.all([query(count), rows(count)]);
      return [first, unpinned, second?.[0]?.n, third?.[0]?.n];
    });
    expect(seen).toEqual([2, 5, 2, 2]);
    // Let go afterwards: the indexer can reuse its file, and the reader sees what is newest.
    writeLog(root, backtestEvents({ runs: 1, trialsPerRun: 1, prefix: "last" }), "2026-01-07");
    await indexer.update();
    expect(await r.query(count)).toEqual([{ n: 6 }]);
  });
});
