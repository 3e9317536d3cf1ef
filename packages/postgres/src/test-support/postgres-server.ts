import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Where Debian's PostgreSQL 15 puts its programs; `LEDGER_PG_BIN` names another folder. */
const DEFAULT_BIN = "/usr/lib/postgresql/15/bin";

/** A throwaway PostgreSQL server on loopback, for tests and benchmarks. */
export interface PostgresServer {
  port: number;
  /** The postmaster's pid. */
  pid: number;
  /** The URL of `database` on this server, as the superuser `postgres` (trust auth on loopback). */
  url(database?: string): string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl restart -m immediate`: a crash and recovery, on the same port. */
  restart(): void;
  /** `pg_ctl stop -m immediate`, then removes the data folder. */
  stop(): void;
}

/** The folder holding `initdb` and `pg_ctl`, or undefined when PostgreSQL is not installed. */
export function postgresBin(): string | undefined {
  const bin = process.env.LEDGER_PG_BIN ?? DEFAULT_BIN;
  return existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl")) ? bin : undefined;
}

/**
 * Whether tests that need PostgreSQL can run: true when it is installed, false (skip them) when
 * not, and an error under CI (`CI=true`), where a missing server must fail the run, not skip it.
 */
export function postgresForTests(): boolean {
  if (postgresBin() !== undefined) return true;
  if (process.env.CI === "true") {
    throw new Error(
      `PostgreSQL 15 is not installed (no initdb in ${process.env.LEDGER_PG_BIN ?? DEFAULT_BIN}), and CI must run these tests`,
    );
  }
  return false;
}

/**
 * `initdb --no-sync` into a temporary folder and `pg_ctl start` on a free loopback port. As root
 * (initdb refuses root), both run as the `postgres` user, who is given the folder. Durability
 * settings are off: a test's server never outlives the machine's page cache, and an immediate
 * restart still recovers from the WAL.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin)
    throw new Error(`PostgreSQL is not installed (no initdb in ${process.env.LEDGER_PG_BIN ?? DEFAULT_BIN})`);
  const dir = mkdtempSync(join(tmpdir(), "ledger-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (program: string, args: string[]) => {
    const [cmd, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, program), ...args]]
      : [join(bin, program), args];
    const r = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${program} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run("initdb", ["--no-sync", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c synchronous_commit=off",
    "-c max_connections=200",
  ].join(" ");
  const start = () =>
    run("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", join(dir, "log"), "-o", options]);
  start();
  const pidOf = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const server: PostgresServer = {
    port,
    pid: pidOf(),
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    restart() {
      run("pg_ctl", [
        "restart",
        "-w",
        "-t",
        "60",
        "-m",
        "immediate",
        "-D",
        data,
        "-l",
        join(dir, "log"),
        "-o",
        options,
      ]);
      server.pid = pidOf();
    },
    stop() {
      try {
        run("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", data]);
      } catch {
        // pg_ctl could not stop it (already gone, or its pid file lost): signal the pid we know.
        try {
          process.kill(server.pid, "SIGQUIT");
        } catch {}
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

type Row = Record<string, unknown>;

/** Runs `statements` one after another on one connection to `url`; the rows of each. */
export async function runSql(url: string, ...statements: string[]): Promise<Row[][]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const results: Row[][] = [];
    for (const statement of statements) results.push((await client.query(statement)).rows);
    return results;
  } finally {
    await client.end();
  }
}

export interface MirrorRows {
  runs: Row[];
  phases: Row[];
  artifacts: Row[];
}

/** Every row the sync wrote, each table in key order, as JSON text: what two mirrors compare by. */
export async function mirrorRows(url: string): Promise<MirrorRows> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = async (sql: string): Promise<Row[]> =>
      (await client.query(sql)).rows.map((r) => JSON.parse(JSON.stringify(r)));
    return {
      runs: await table("SELECT * FROM ledger_runs ORDER BY run_id"),
      phases: await table("SELECT * FROM ledger_phases ORDER BY run_id, phase"),
      artifacts: await table("SELECT * FROM ledger_artifacts ORDER BY run_id, position"),
    };
  } finally {
    await client.end();
  }
}

/**
 * Tells whether a client that named itself `applicationName` has a transaction open right now,
 * from `pg_stat_activity`: lets a crash test aim its kills inside a sync's transaction.
 */
export async function transactionWatcher(
  url: string,
  applicationName: string,
): Promise<{ open(): Promise<boolean>; close(): Promise<void> }> {
  // A restart of the server ends the connection: the next call opens a new one.
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {});
    await client.connect();
    return client;
  };
  let client: pg.Client | undefined = await connect();
  return {
    async open() {
      try {
        client ??= await connect();
        const { rows } = await client.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL AND pid <> pg_backend_pid()",
          [applicationName],
        );
        return rows.length > 0;
      } catch {
        void client?.end().catch(() => {});
        client = undefined;
        return false;
      }
    },
    close: async () => {
      await client?.end().catch(() => {});
    },
  };
}
