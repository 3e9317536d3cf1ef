import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { hostname } from "node:os";

/** Who holds a part file: enough to tell a live owner from a crashed one. */
interface LockOwner {
  pid: number;
  host: string;
  /** Kernel start time of the owner process, so a recycled pid is not mistaken for the owner. */
  start: string;
  token: string;
}

const HOST = hostname();
/** A lock-breaking guard older than this was left by a crash and may be removed. */
const STALE_GUARD_MS = 10_000;

function processStart(pid: number): string {
  try {
    // Field 22 of /proc/PID/stat (after the parenthesised command name) is the start time.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

const SELF_START = processStart(process.pid);

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== HOST) return true; // cannot see another machine's processes: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const start = processStart(owner.pid);
  return start === "" || owner.start === "" || start === owner.start;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path, "utf8")) as LockOwner;
  } catch {
    return undefined; // missing, or half-written by a crash: treated as stale below
  }
}

/** Lock files held by this process, released on exit so a clean exit never leaves one behind. */
const held = new Map<string, string>();
let exitHook = false;

/**
 * An exclusive claim on a file: `<path>.lock` beside it, created atomically (see
 * `createExclusive`). The writer claims part files with it; the indexer claims the index.
 * A lock whose owner process is gone is stale and is broken under a `.break` guard directory, so
 * two processes that both find it stale cannot both take it.
 */
export class FileLock {
  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  /** The lock, or undefined when a live process holds it. */
  static tryAcquire(target: string): FileLock | undefined {
    const path = `${target}.lock`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const token = randomBytes(8).toString("hex");
      if (createExclusive(path, token)) return FileLock.#track(path, token);
      const owner = readOwner(path);
      if (owner ? isAlive(owner) : isFresh(path)) return undefined;
      if (!breakStale(path, owner?.token)) return undefined;
    }
    return undefined;
  }

  static #track(path: string, token: string): FileLock {
    held.set(path, token);
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => {
        for (const [p, t] of held) releaseIfOwned(p, t);
      });
    }
    return new FileLock(path, token);
  }

  /** The owner recorded in `<target>.lock`, if any: for messages such as "held by pid 123". */
  static owner(target: string): { pid: number; host: string } | undefined {
    const owner = readOwner(`${target}.lock`);
    return owner && { pid: owner.pid, host: owner.host };
  }

  /** True when a live process holds `<target>.lock`: a part being appended to right now. */
  static isHeld(target: string): boolean {
    const owner = readOwner(`${target}.lock`);
    return owner !== undefined && isAlive(owner);
  }

  /** Still ours? False if someone removed or replaced the lock file. */
  isHeld(): boolean {
    return readOwner(this.path)?.token === this.token;
  }

  release(): void {
    held.delete(this.path);
    releaseIfOwned(this.path, this.token);
  }
}

/**
 * Writes the owner to a private file, then links it to the lock path: link fails with EEXIST as
 * O_EXCL does, and the lock never exists half-written, so a process killed while taking it leaves
 * either no lock or a complete one naming a dead owner, never one the next taker must wait out.
 */
function createExclusive(path: string, token: string): boolean {
  const owner: LockOwner = { pid: process.pid, host: HOST, start: SELF_START, token };
  const draft = `${path}.${token}`;
  fs.writeFileSync(draft, JSON.stringify(owner), { flag: "wx", mode: 0o600 });
  try {
    fs.linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** Removes a stale lock if it still carries `token`; true when the caller may try again. */
function breakStale(path: string, token: string | undefined): boolean {
  const guard = `${path}.break`;
  try {
    fs.mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > STALE_GUARD_MS) fs.rmdirSync(guard);
    } catch {
      // another process removed it first
    }
    return false;
  }
  try {
    const owner = readOwner(path);
    if (owner?.token === token && (!owner || !isAlive(owner))) fs.rmSync(path, { force: true });
    return true;
  } finally {
    fs.rmdirSync(guard);
  }
}

/** An unreadable lock may be one another process is writing right now; give it a moment. */
function isFresh(path: string): boolean {
  try {
    return Date.now() - fs.statSync(path).mtimeMs < 2_000;
  } catch {
    return false;
  }
}

function releaseIfOwned(path: string, token: string): void {
  if (readOwner(path)?.token === token) fs.rmSync(path, { force: true });
}
