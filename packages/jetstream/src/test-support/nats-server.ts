import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's nats-server, which `.ci/run` installs (tests never run apt themselves). */
const CANDIDATES = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];

/** The nats-server binary, or undefined. With `CI=true` a missing server throws instead. */
export function findNatsServer(): string | undefined {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found && process.env.CI === "true") {
    throw new Error(`nats-server is not installed (looked in ${CANDIDATES.join(", ")}); CI must install it`);
  }
  return found;
}

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** The server's own pid (not a wrapper's), while it runs. */
  readonly pid: number | undefined;
  /** Stops it by its pid (SIGTERM, then SIGKILL); the store is kept for `start()`. */
  stop(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Freezes it (SIGSTOP) and resolves once the kernel reports it stopped: it reads nothing until `resume()`. */
  pause(): Promise<void>;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  /** Starts it again on the same ports and store; resolves once `/healthz` answers. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

export interface NatsServerOptions {
  /** Server name; required to be unique within a cluster. @default "ledger-PORT" */
  name?: string;
  /** Client and monitoring ports. @default free ones */
  ports?: { client: number; monitor: number };
  /** Cluster name and the route URLs of its other nodes. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Where JetStream keeps its files. @default a fresh temporary folder */
  storeDir?: string;
}

const live = new Set<ChildProcess>();
let exitHook = false;

/** Free TCP ports on loopback, all distinct (each held until all are found, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Starts nats-server with JetStream on random loopback ports, as the `nats` user when this process
 * is root (the server's files are then the `nats` user's, as Debian's service has them), and
 * resolves once its `/healthz` answers. Every server still running when this process exits is killed.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = findNatsServer();
  if (!binary) throw new Error("nats-server is not installed");
  let ports = options.ports;
  if (!ports) {
    const [client = 0, monitor = 0] = await freePorts(2);
    ports = { client, monitor };
  }
  const { client: port, monitor: monitorPort } = ports;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), "ledger-nats-"));
  const owner = process.getuid?.() === 0 ? natsUser() : undefined;
  if (owner) chownSync(storeDir, owner.uid, owner.gid);
  const args = [
    "-js",
    "-sd",
    storeDir,
    "-a",
    "127.0.0.1",
    "-p",
    String(port),
    "-m",
    String(monitorPort),
    "-n",
    options.name ?? `ledger-${port}`,
  ];
  if (options.cluster) {
    args.push(
      "--cluster_name",
      options.cluster.name,
      "--cluster",
      `nats://127.0.0.1:${options.cluster.port}`,
      "--routes",
      options.cluster.routes.join(","),
    );
  }
  let child: ChildProcess | undefined;
  let log = "";

  async function start(): Promise<void> {
    log = "";
    const started = spawn(binary!, args, {
      stdio: ["ignore", "ignore", "pipe"],
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    child = started;
    live.add(started);
    started.stderr!.setEncoding("utf8").on("data", (text: string) => {
      log = (log + text).slice(-4000);
    });
    started.once("exit", () => live.delete(started));
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => {
        for (const c of live) c.kill("SIGKILL");
      });
    }
    await waitHealthy(monitorPort, started, () => log);
  }

  async function signal(name: NodeJS.Signals): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill(name);
    const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    get pid() {
      return child?.pid;
    },
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    async pause() {
      const pid = child?.pid;
      if (pid === undefined) throw new Error("nats-server is not running");
      process.kill(pid, "SIGSTOP");
      // The signal is delivered asynchronously: until the state reads T the server still runs.
      while (!/^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) {
        await new Promise((r) => setTimeout(r, 1));
      }
    },
    resume() {
      if (child?.pid !== undefined) process.kill(child.pid, "SIGCONT");
    },
    start,
    async destroy() {
      await signal("SIGTERM");
      if (!options.storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

async function waitHealthy(monitorPort: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nats-server exited at start (${child.exitCode ?? child.signalCode}): ${log()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  throw new Error(`nats-server did not report healthy within 20 s: ${log()}`);
}

function natsUser(): { uid: number; gid: number } | undefined {
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((line) => line.startsWith("nats:"));
  const [, , uid, gid] = entry?.split(":") ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

export interface NatsCluster {
  readonly servers: NatsServer[];
  /** Every node's client URL. */
  readonly urls: string[];
  /** The node named `name` (`ledger-1`…). */
  node(name: string): NatsServer;
  destroy(): Promise<void>;
}

/**
 * Starts a cluster of `size` JetStream servers on loopback, routed to one another, named
 * `ledger-1`…; resolves once every node reports healthy (a JetStream meta leader is elected).
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const ports = await freePorts(3 * size);
  const routes = ports.slice(2 * size);
  const servers = await Promise.all(
    routes.map((clusterPort, i) =>
      startNatsServer({
        name: `ledger-${i + 1}`,
        ports: { client: ports[2 * i]!, monitor: ports[2 * i + 1]! },
        cluster: {
          name: "ledger",
          port: clusterPort,
          routes: routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`),
        },
      }),
    ),
  );
  return {
    servers,
    urls: servers.map((s) => s.url),
    node(name) {
      const index = Number(name.replace(/^ledger-/, "")) - 1;
      const server = servers[index];
      if (!server) throw new Error(`no node named ${name}`);
      return server;
    },
    async destroy() {
      await Promise.all(servers.map((s) => s.destroy()));
    },
  };
}
