import { createHash } from "node:crypto";
import { mkdir, open, realpath, rename, rm } from "node:fs/promises";
import { dirname, extname, sep } from "node:path";
import { InvalidIdentifierError, resolveInside, runArtifactsDir } from "@ledger/schema";
import type { Appended, Appender } from "./appender.js";
import { createEmitter } from "./emitters.js";
import { jsonlToParquet } from "./parquet.js";

export interface ArtifactOptions {
  /** What the artifact is (`trades`, `equity_curve`, `summary`). @default the file name without extension */
  kind?: string;
  /** @default the file name, with `/` and `.` turned into `_` */
  artifactId?: string;
}

/** A run's artifact folder: every file written through it is followed by an `artifact.created` event. */
export interface RunDirectory {
  readonly runId: string;
  readonly path: string;
  writeFile(
    name: string,
    data: Uint8Array | string,
    format: string,
    options?: ArtifactOptions,
  ): Promise<Appended>;
  writeJson(name: string, value: unknown, options?: ArtifactOptions): Promise<Appended>;
  /**
   * Writes rows as Parquet through DuckDB, which is loaded only when this is first called.
   * @throws DuckDBMissingError (`LEDGER_DUCKDB_MISSING`) when `@duckdb/node-api` is not installed
   */
  writeParquet(
    name: string,
    rows: readonly Record<string, unknown>[],
    options?: ArtifactOptions,
  ): Promise<Appended>;
}

/** Creates `artifacts/runs/{runId}/` under the writer's root (0700) and returns its writer. */
export async function createRunDirectory(writer: Appender, runId: string): Promise<RunDirectory> {
  const path = runArtifactsDir(writer.root, runId);
  await mkdir(path, { recursive: true, mode: 0o700 });
  // The checks above are on names; a symlinked folder could still lead out of the tree.
  const realRuns = await realpath(dirname(path));
  const realRun = await realpath(path);
  await assertWithin(realRuns, realRun, "run id", runId);
  const emitter = createEmitter(writer);

  async function record(
    name: string,
    file: string,
    format: string,
    options: ArtifactOptions,
  ): Promise<Appended> {
    const { bytes, sha256 } = await digest(file);
    const base = name.slice(0, name.length - extname(name).length);
    return (await emitter.emitArtifactCreated(runId, {
      artifact_id: options.artifactId ?? name.replace(/[/.]/g, "_"),
      kind: options.kind ?? base.split("/").pop() ?? base,
      path: name,
      format,
      bytes,
      sha256,
    })) as Appended;
  }

  const dir: RunDirectory = {
    runId,
    path,
    async writeFile(name, data, format, options = {}) {
      const file = resolveInside(path, name, "artifact path");
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await assertWithin(realRun, await realpath(dirname(file)), "artifact path", name);
      await atomicWrite(file, typeof data === "string" ? Buffer.from(data) : data);
      return record(name, file, format, options);
    },
    writeJson(name, value, options) {
      return dir.writeFile(name, `${JSON.stringify(value, null, 2)}\n`, "json", options);
    },
    async writeParquet(name, rows, options = {}) {
      const file = resolveInside(path, name, "artifact path");
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await assertWithin(realRun, await realpath(dirname(file)), "artifact path", name);
      const temp = `${file}.${process.pid}.rows.jsonl`;
      await atomicWrite(temp, Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n")));
      try {
        await jsonlToParquet(temp, file);
      } finally {
        await rm(temp, { force: true });
      }
      return record(name, file, "parquet", options);
    },
  };
  return dir;
}

/** Refuses a resolved path outside `base` (a symlink pointing elsewhere). */
async function assertWithin(base: string, real: string, kind: string, value: string): Promise<void> {
  if (real !== base && !real.startsWith(`${base}${sep}`)) {
    throw new InvalidIdentifierError(kind, value, "it leads outside the artifacts folder through a symlink");
  }
}

async function atomicWrite(file: string, data: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

async function digest(file: string): Promise<{ bytes: number; sha256: string }> {
  const handle = await open(file, "r");
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of handle.createReadStream()) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { bytes, sha256: hash.digest("hex") };
}
