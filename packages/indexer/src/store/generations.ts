import * as fs from "node:fs";
import { dirname, join } from "node:path";
import { fsyncPathSync } from "@ledger/writer";

const GEN = /^g(\d{6,})\.duckdb$/;

function inode(path: string): number | undefined {
  return fs.statSync(path, { throwIfNoEntry: false })?.ino;
}

function moveWithWal(from: string, to: string): void {
  fs.renameSync(from, to);
  if (fs.existsSync(`${from}.wal`)) fs.renameSync(`${from}.wal`, `${to}.wal`);
}

function removeWithWal(path: string): void {
  fs.rmSync(path, { force: true });
  fs.rmSync(`${path}.wal`, { force: true });
}

/**
 * Published files are read-only, and a generation shares its inode with the published name, so
 * one that was published must be made writable again before the indexer attaches it.
 */
const PUBLISHED_MODE = 0o444;
const WRITABLE_MODE = 0o644;

function writable(path: string): string {
  fs.chmodSync(path, WRITABLE_MODE);
  return path;
}

/**
 * The private copies of one index database, `index/.gen/{db}/gNNNNNN.duckdb`, and its published
 * name, `index/{db}.duckdb`, a hard link to the newest finished generation.
 *
 * Readers open the published name read-only; the indexer only ever writes a generation that is
 * not published. Publishing is `link` + `rename`, so a reader opens the old file or the new one,
 * never a file being written, and a reader that still has an old generation open keeps its
 * snapshot (DuckDB's own lock stops the indexer from reusing a file a reader holds).
 *
 * Each round reuses the older of the last two generations, which catches up from its own
 * checkpoints: the cost of a round follows the new bytes, not the size of the index.
 *
 * Nothing outside ledger may write a published file. It is published read-only (0444), so a
 * `duckdb` session opened without -readonly fails to open it instead of writing into a
 * generation; a process that bypasses the mode (root) and is killed leaves `{db}.duckdb.wal`,
 * which DuckDB would replay into the next published file and fail every reader with "WAL does
 * not match database file". Publication removes it first.
 */
export class Generations {
  readonly dir: string;

  constructor(
    indexDir: string,
    readonly name: string,
    readonly published: string,
  ) {
    this.dir = join(indexDir, ".gen", name);
  }

  list(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    return names
      .map((n) => GEN.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  pathOf(generation: number): string {
    return join(this.dir, `g${String(generation).padStart(6, "0")}.duckdb`);
  }

  /**
   * A generation to write this round, attached by `attach` (which returns false when DuckDB
   * reports the file locked by a reader). Returns the path and whether it is a new, empty file.
   */
  async prepare(attach: (path: string) => Promise<boolean>): Promise<{ path: string; empty: boolean }> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const gens = this.list();
    const latest = gens.at(-1);
    if (latest === undefined) return this.fresh(attach);
    const latestPath = this.pathOf(latest);
    const published = inode(this.published);
    // Left unpublished by a crash or a failed round: it is the newest state, carry on with it.
    if (inode(latestPath) !== published && (await attach(writable(latestPath)))) {
      return { path: latestPath, empty: false };
    }
    const target = this.pathOf(latest + 1);
    for (const old of gens.slice(0, -1).reverse()) {
      const oldPath = this.pathOf(old);
      if (inode(oldPath) === published) continue;
      moveWithWal(oldPath, target);
      if (await attach(writable(target))) return { path: target, empty: false };
      moveWithWal(target, oldPath); // a reader still holds it: leave it for a later round
    }
    fs.copyFileSync(latestPath, target);
    if (!(await attach(writable(target))))
      throw new Error(`could not open the new index generation ${target}`);
    return { path: target, empty: false };
  }

  /** A new empty generation after the newest, for a full rebuild. */
  async fresh(attach: (path: string) => Promise<boolean>): Promise<{ path: string; empty: boolean }> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = this.pathOf((this.list().at(-1) ?? 0) + 1);
    removeWithWal(target);
    if (!(await attach(target))) throw new Error(`could not create the index generation ${target}`);
    return { path: target, empty: true };
  }

  /** Whether readers have a published file of this database at all. */
  isPublished(): boolean {
    return fs.existsSync(this.published);
  }

  /** Makes `path` (detached, checkpointed, no WAL) the published database. */
  publish(path: string): void {
    const tmp = join(dirname(this.published), `.${this.name}.publish-${process.pid}`);
    fs.rmSync(tmp, { force: true });
    fs.chmodSync(path, PUBLISHED_MODE);
    try {
      fs.linkSync(path, tmp);
    } catch {
      fs.copyFileSync(path, tmp); // no hard links on this file system: a copy is still atomic to rename
    }
    // Before the rename, not after: a reader that opens the old file with this WAL opens the
    // file the WAL was written for, and one that opens the new file finds none.
    fs.rmSync(`${this.published}.wal`, { force: true });
    fs.renameSync(tmp, this.published);
    fsyncPathSync(dirname(this.published));
  }

  /** Keeps the newest `keep` generations; readers holding a removed one keep their snapshot. */
  prune(keep: number): void {
    const gens = this.list();
    for (const g of gens.slice(0, Math.max(0, gens.length - keep))) removeWithWal(this.pathOf(g));
  }
}
