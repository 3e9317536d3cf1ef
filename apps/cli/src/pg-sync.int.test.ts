import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { listRuns, type MirrorHealth, openIndexReader, RUN_SORT_KEYS, runDetail } from "@ledger/indexer";
import { openPostgresRuns } from "@ledger/postgres";
import {
  mirrorRows,
  type PostgresServer,
  postgresForTests,
  runSql,
  startPostgres,
  transactionWatcher,
} from "@ledger/postgres/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresRunSource } from "./server/run-source.js";
import { createLedgerServer } from "./server/server.js";
import { BIN, ledger, tempRoot } from "./test-support/cli.js";

const cliDir = fileURLToPath(new URL("..", import.meta.url));
const children = new Set<ChildProcess>();
const servers: { close(): void }[] = [];
afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const s of servers.splice(0)) s.close();
});

function start(args: string[], stdout: "ignore" | "pipe" = "ignore"): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: cliDir, stdio: ["ignore", stdout, "pipe"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** A writer process appending `runs` simulated backtests, `burst` at a time, `pauseMs` apart. */
function writeBacktests(
  root: string,
  prefix: string,
  runs: number,
  burst: number,
  pauseMs: number,
): ChildProcess {
  const script = fileURLToPath(new URL("./test-support/demo-writer-child.ts", import.meta.url));
  const args = [root, prefix, runs, burst, pauseMs].map(String);
  return start(["--conditions=@ledger/source", "--import", "tsx", script, ...args]);
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve()),
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `writeBacktests` to the end, two runs at a time. */
async function appendBacktests(root: string, prefix: string, runs: number): Promise<void> {
  const writer = writeBacktests(root, prefix, runs, 2, 0);
  await exited(writer);
  expect(writer.exitCode).toBe(0);
}

/** Polls `probe` until `done` holds of its value, for up to 30 s; returns that value. */
async function until<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(200)) {
    last = await probe();
    if (done(last)) return last;
  }
  throw new Error(`${what} within 30 s; last seen: ${JSON.stringify(last)}`);
}

describe.skipIf(!postgresForTests())("ledger pg-sync and serve --pg", () => {
  let server: PostgresServer;
  let databases = 0;
  const database = () => server.createDatabase(`cli_${++databases}`);
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.stop());

  it("puts the demo's runs in PostgreSQL as the index has them, row by row; a second sync writes nothing", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "16", "--root", root]).code).toBe(0);
    const url = await database();
    const first = ledger(["pg-sync", "--pg", url, "--root", root, "--json"]);
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toMatchObject({ changed: 16, runs: 16, escaped: 0, advanced: true });
    const again = ledger(["pg-sync", "--pg", url, "--root", root, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: 0, runs: 0, phases: 0, artifacts: 0 });
    expect(ledger(["pg-sync", "--pg", url, "--root", root]).stdout).toMatch(/^0 runs written of 0 changed/);

    const reader = openIndexReader({ root });
    const runs = openPostgresRuns({ url });
    try {
      const listed = await listRuns(reader, { limit: 100 });
      expect(listed).toHaveLength(16);
      expect(await runs.listRuns({ limit: 100 })).toEqual(listed);
      expect(listed.some((r) => r.status === "failed")).toBe(true);
      for (const run of listed) {
        const detail = await runDetail(reader, run.run_id);
        expect(await runs.runDetail(run.run_id)).toEqual(detail);
      }
      const { runs: rows } = await mirrorRows(url);
      for (const row of rows) {
        const detail = (await runDetail(reader, String(row.run_id)))!;
        expect(row.failed_phase).toEqual(detail.run.status === "failed" ? expect.any(String) : null);
        expect(row.best_trial).toBe(detail.best_trial?.trial_id ?? null);
      }
    } finally {
      reader.close();
      await runs.close();
    }
  });

  it("refuses a bad URL and an unreachable server with one line and exit 1", () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "1", "--root", root]).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [
        ["pg-sync", "--pg", "mysql://x/y"],
        /^ledger: .* is not a postgres:\/\/ or postgresql:\/\/ URL \[LEDGER_PG_URL\]\n$/,
      ],
      [
        ["pg-sync", "--pg", "postgres://u:hunter2@127.0.0.1:1/x"],
        /^ledger: cannot connect to .*\[LEDGER_PG_UNREACHABLE\]\n$/,
      ],
      [["pg-sync", "--follow", "--pg", "postgres://127.0.0.1:1/x"], /\[LEDGER_PG_UNREACHABLE\]\n$/],
      [
        ["serve", "--port", "0", "--pg", "postgres://u:hunter2@127.0.0.1:1/x"],
        /^ledger: cannot connect to .*\[LEDGER_PG_UNREACHABLE\]\n$/,
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = ledger([...args, "--root", root], { timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(stderr);
      expect(r.stderr).not.toContain("hunter2");
    }
    expect(ledger(["pg-sync", "--root", root], { env: { LEDGER_PG_URL: "" } }).code).toBe(2);
  });

  it("serves /runs and /runs/{id} from PostgreSQL equal to the index-backed server's; events from the log", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "12", "--root", root]).code).toBe(0);
    const url = await database();
    expect(ledger(["pg-sync", "--pg", url, "--root", root]).code).toBe(0);
    const listen = async (runs?: Awaited<ReturnType<typeof postgresRunSource>>) => {
      const server = createLedgerServer({ root, ...(runs ? { runs } : {}) });
      servers.push({ close: () => server.close() });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const index = await listen();
    const postgres = await listen(await postgresRunSource(url));
    const get = async (base: string, path: string) => {
      const response = await fetch(`${base}${path}`);
      return { status: response.status, body: await response.text() };
    };
    const paths = [
      "/runs",
      "/runs?status=failed",
      "/runs?type=baseline&limit=2",
      "/runs?since_ms=0",
      "/runs/nope",
      "/runs?fields=best",
      "/runs?sort=best_sharpe&fields=best&limit=4",
      // Every order, both ways, a page past the first.
      ...RUN_SORT_KEYS.flatMap((key) => [
        `/runs?sort=${key}&order=asc&limit=5`,
        `/runs?sort=${key}&order=desc&limit=5&offset=5`,
      ]),
    ];
    const { runs } = JSON.parse((await get(index, "/runs")).body) as { runs: { run_id: string }[] };
    expect(runs).toHaveLength(12);
    for (const run of runs) paths.push(`/runs/${run.run_id}`);
    for (const path of paths) {
      const [a, b] = [await get(index, path), await get(postgres, path)];
      expect(b.status).toBe(a.status);
      if (a.status !== 200) continue;
      // The index's answers carry the log position they reflect; PostgreSQL's rows have none.
      const { cursor: indexCursor, ...fromIndex } = JSON.parse(a.body) as { cursor?: unknown };
      const { cursor: pgCursor, ...fromPostgres } = JSON.parse(b.body) as { cursor?: unknown };
      expect(typeof indexCursor).toBe("string");
      expect(pgCursor).toBeNull();
      expect(fromPostgres).toEqual(fromIndex);
    }
    const best = JSON.parse((await get(postgres, "/runs?fields=best")).body) as {
      runs: { best_trial: string | null }[];
    };
    expect(best.runs.some((r) => r.best_trial !== null)).toBe(true);
    const events = `/runs/${runs[0]!.run_id}/events`;
    expect((await get(postgres, events)).body).toBe((await get(index, events)).body);
  });

  it("daemon --pg mirrors each publication; doctor --pg reports the lag in events and seconds", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "3", "--root", root]).code).toBe(0);
    const url = await database();
    const lagOf = () => {
      const r = ledger(["doctor", "--pg", url, "--root", root, "--json"]);
      const check = (
        JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; items?: unknown[] }[] }
      ).checks.find((c) => c.name === "postgres lag");
      return { code: r.code, ok: check?.ok, lag: check?.items?.[0] as { events: number; seconds: number } };
    };
    const before = lagOf();
    expect(before).toMatchObject({ code: 1, ok: false });
    expect(before.lag.events).toBeGreaterThan(50);
    expect(before.lag.seconds).toBeGreaterThan(0);

    const daemon = start([BIN, "daemon", "--pg", url, "--root", root, "--interval", "1"]);
    const runsIn = async (n: number) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
        if ((await mirrorRows(url).catch(() => ({ runs: [] }))).runs.length >= n) return;
      }
      throw new Error(`PostgreSQL did not reach ${n} runs`);
    };
    await runsIn(3);
    const writer = writeBacktests(root, "more", 4, 2, 0);
    await exited(writer);
    await runsIn(7);
    // The last runs' final events may come a publication later than their first.
    for (const deadline = Date.now() + 30_000; !lagOf().ok && Date.now() < deadline; ) await sleep(200);
    daemon.kill("SIGTERM");
    await exited(daemon);
    expect(daemon.exitCode).toBe(0);
    const after = lagOf();
    expect(after).toMatchObject({ code: 0, ok: true, lag: { events: 0, bytes: 0, seconds: 0 } });
  }, 180_000);

  it("daemon --pg mirrors from a process of its own, started again if it dies, and gone with the daemon", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "2", "--root", root]).code).toBe(0);
    const url = await database();
    const daemon = start([BIN, "daemon", "--pg", url, "--root", root, "--interval", "1"]);
    // The daemon's children, from /proc: each process's parent is the fourth field of its stat.
    const mirrors = () =>
      readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            const stat = readFileSync(`/proc/${d}/stat`, "utf8");
            return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === daemon.pid;
          } catch {
            return false;
          }
        })
        .map(Number);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const runs = async () => (await mirrorRows(url).catch(() => ({ runs: [] }))).runs.length;
    await until(runs, (n) => n >= 2, "PostgreSQL did not get the demo's runs");
    // A second daemon is refused the lock and ends at once: it starts no mirror to keep it alive.
    const refused = ledger(["daemon", "--pg", url, "--root", root], { timeoutMs: 20_000 });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/another indexer is running/) });
    const [first] = await until(
      mirrors,
      (pids) => pids.length === 1,
      "the daemon did not run one mirror process",
    );
    process.kill(first!, "SIGKILL");
    await appendBacktests(root, "after-kill", 2);
    const [restarted] = await until(
      mirrors,
      (pids) => pids.length === 1 && pids[0] !== first,
      "the daemon did not start its mirror again",
    );
    await until(runs, (n) => n >= 4, "the restarted mirror did not sync the new runs");
    daemon.kill("SIGKILL");
    await until(
      () => alive(restarted!),
      (up) => !up,
      "the mirror outlived its daemon",
    );
  }, 120_000);

  // Twenty follower starts beside a writer and the daemon: a minute on a quiet machine, several
  // when other jobs load it, hence the test's own timeout.
  it("ends equal to a fresh sync after pg-sync --follow is SIGKILLed 20 times while a writer appends and the daemon publishes", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "2", "--root", root]).code).toBe(0);
    const url = await database();
    const daemon = start([BIN, "daemon", "--root", root, "--interval", "1"]);
    const writer = writeBacktests(root, "crash", 36, 3, 250);
    let writing = true;
    void exited(writer).then(() => {
      writing = false;
    });
    // Most kills are aimed inside a sync's transaction: once PostgreSQL shows the follower's
    // transaction open, after a random few milliseconds more.
    const watcher = await transactionWatcher(url, "ledger pg-sync");
    const inTransaction = async (timeoutMs: number) => {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(2)) {
        if (await watcher.open()) return true;
      }
      return false;
    };
    let kills = 0;
    let midTransaction = 0;
    try {
      while (kills < 20 || writing) {
        // A run per statement, so a sync's transaction lasts long enough to be hit.
        const follower = start([
          BIN,
          "pg-sync",
          "--follow",
          "--pg",
          url,
          "--root",
          root,
          "--batch-runs",
          "1",
        ]);
        if (kills % 4 !== 3 && (await inTransaction(10_000))) {
          await sleep(Math.random() * 25);
          midTransaction++;
        } else {
          await sleep(150 + Math.random() * 900);
        }
        follower.kill("SIGKILL");
        await exited(follower);
        kills++;
      }
    } finally {
      await watcher.close();
    }
    // A follower is caught in a transaction once it has started, which a loaded machine makes
    // slower (hence the 10 s); 8 of the 15 aimed kills is enough to show the promise.
    expect(midTransaction).toBeGreaterThanOrEqual(8);
    expect(writer.exitCode).toBe(0);
    daemon.kill("SIGTERM");
    await exited(daemon);
    expect(ledger(["rebuild-index", "--root", root]).code).toBe(0);

    // The follower's last sync may have been cut short: one more resumes from its checkpoint.
    expect(ledger(["pg-sync", "--pg", url, "--root", root]).code).toBe(0);
    const fresh = await database();
    expect(ledger(["pg-sync", "--pg", fresh, "--root", root]).code).toBe(0);
    const [resumed, clean] = [await mirrorRows(url), await mirrorRows(fresh)];
    expect(clean.runs).toHaveLength(38);
    expect(resumed).toEqual(clean);
  }, 300_000);

  it("ends equal to a fresh sync after PostgreSQL is restarted in immediate mode inside pg-sync --follow's transactions while a writer appends", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "2", "--root", root]).code).toBe(0);
    const url = await database();
    const daemon = start([BIN, "daemon", "--root", root, "--interval", "1"]);
    // A run per statement, so a sync's transaction lasts long enough to be caught open.
    const follower = start([BIN, "pg-sync", "--follow", "--pg", url, "--root", root, "--batch-runs", "1"]);
    let stderr = "";
    follower.stderr!.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const watcher = await transactionWatcher(url, "ledger pg-sync");
    let restarts = 0;
    try {
      for (let round = 0; round < 3; round++) {
        // A writer for each round (20 runs over 2.5 s or more): there are syncs to catch open
        // however quick each is and however long the follower took to come back from the last
        // restart.
        const writer = writeBacktests(root, `restart${round}`, 20, 2, 250);
        for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(2)) {
          if (await watcher.open()) {
            server.restart();
            restarts++;
            break;
          }
        }
        await exited(writer);
        expect(writer.exitCode).toBe(0);
      }
    } finally {
      await watcher.close();
    }
    expect(restarts).toBe(3);

    // The follower lived through the restarts and catches up by itself: PostgreSQL ends equal to
    // a fresh sync of the same index into an empty database.
    const fresh = await database();
    const clean = await until(
      async () => {
        expect(ledger(["pg-sync", "--pg", fresh, "--root", root]).code).toBe(0);
        return mirrorRows(fresh);
      },
      (rows) => rows.runs.length === 62 && rows.runs.every((r) => r.status !== "running"),
      "the daemon did not publish the writer's last runs",
    );
    await until(
      () => mirrorRows(url).catch(() => undefined),
      (rows) => JSON.stringify(rows) === JSON.stringify(clean),
      "the follower's mirror did not come to equal a fresh sync",
    );
    expect(follower.exitCode).toBeNull();
    expect(stderr).toMatch(/sync failed, retrying/);
    follower.kill("SIGTERM");
    daemon.kill("SIGTERM");
    await Promise.all([exited(follower), exited(daemon)]);
    expect(follower.exitCode).toBe(0);
  }, 300_000);

  it("daemon --health, GET /health and doctor --pg report the mirror's lag in events and seconds, while PostgreSQL refuses it and after it catches up", async () => {
    const root = tempRoot();
    expect(ledger(["demo", "--runs", "3", "--root", root]).code).toBe(0);
    const url = (await database()).replace("postgres@", "postgres:sekrit@");
    const name = new URL(url).pathname.slice(1);
    // A reader may meet the index mid-publication and say so: the poll asks again.
    const health = (): { running?: boolean; postgres?: MirrorHealth; stderr?: string } => {
      const r = ledger(["daemon", "--health", "--json", "--root", root]);
      return r.stdout ? JSON.parse(r.stdout) : { stderr: r.stderr };
    };
    const doctor = () => {
      const r = ledger(["doctor", "--pg", url, "--root", root, "--json"]);
      const checks = (
        JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; items?: MirrorHealth[] }[] }
      ).checks;
      return checks.find((c) => c.name === "postgres lag")!;
    };
    const before = doctor();
    expect(before.ok).toBe(false);
    expect(before.items![0]).toMatchObject({ events: expect.any(Number), seconds: expect.any(Number) });
    expect(before.items![0]!.events).toBeGreaterThan(50);

    const daemon = start([BIN, "daemon", "--pg", url, "--root", root, "--interval", "1"]);
    const caughtUp = (h: { postgres?: MirrorHealth }) => h.postgres?.events === 0 && !h.postgres.error;
    const synced = await until(health, caughtUp, "the daemon's health did not show the mirror caught up");
    expect(synced).toMatchObject({
      running: true,
      postgres: { events: 0, bytes: 0, seconds: 0, syncedAt: expect.any(String) },
    });
    expect(synced.postgres!.target).not.toContain("sekrit");
    expect((await mirrorRows(url)).runs).toHaveLength(3);
    expect(doctor()).toMatchObject({ ok: true, items: [{ events: 0, bytes: 0, seconds: 0 }] });

    // The same figures in GET /health, under `daemon`, from `ledger serve`.
    const serve = start([BIN, "serve", "--port", "0", "--root", root], "pipe");
    let banner = "";
    for await (const chunk of serve.stdout!) {
      banner += String(chunk);
      if (/:(\d+)\//.test(banner)) break;
    }
    const base = `http://127.0.0.1:${/:(\d+)\//.exec(banner)![1]}`;
    const served = (await (await fetch(`${base}/health`)).json()) as { daemon: { postgres?: MirrorHealth } };
    expect(served.daemon.postgres).toMatchObject({ events: 0, bytes: 0, seconds: 0 });

    // PostgreSQL refuses the mirror's database: the daemon keeps indexing, and its health counts
    // what piles up behind PostgreSQL, in events and seconds, with the reason.
    await runSql(
      server.url(),
      `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`,
    );
    try {
      await appendBacktests(root, "while-away", 2);
      const behind = await until(
        health,
        (h) => (h.postgres?.events ?? 0) > 0 && h.postgres?.error !== undefined,
        "the daemon's health did not show the mirror behind",
      );
      expect(behind.postgres!.seconds).toBeGreaterThan(0);
      expect(behind.postgres!.error).toMatch(/not currently accepting connections|terminat/);
      const text = ledger(["daemon", "--health", "--root", root]).stdout;
      expect(text).toMatch(
        /^postgres postgres:\/\/postgres:\*\*\*@.*: \d+ events \(\d+ bytes\) behind the log, the oldest [\d.]+ s old; .*failing: /m,
      );
      const live = JSON.parse(
        ledger(["daemon", "--health", "--json", "--pg", url, "--root", root]).stdout,
      ) as {
        postgres: MirrorHealth;
      };
      expect(live.postgres).toMatchObject({ events: null, error: expect.stringMatching(/cannot connect/) });
      expect(doctor().ok).toBe(false);
    } finally {
      await runSql(server.url(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    }
    const recovered = await until(
      health,
      caughtUp,
      "the mirror did not catch up after PostgreSQL took it back",
    );
    expect(recovered.postgres).toMatchObject({ events: 0, seconds: 0 });
    expect((await mirrorRows(url)).runs).toHaveLength(5);
    const live = JSON.parse(ledger(["daemon", "--health", "--json", "--pg", url, "--root", root]).stdout) as {
      postgres: MirrorHealth;
    };
    expect(live.postgres).toMatchObject({ events: 0, bytes: 0, seconds: 0, syncedAt: expect.any(String) });
    expect(ledger(["daemon", "--health", "--root", root]).stdout).toMatch(
      /^postgres .*: holds the whole log; last sync /m,
    );

    daemon.kill("SIGTERM");
    await exited(daemon);
    expect(daemon.exitCode).toBe(0);
  }, 240_000);
});
