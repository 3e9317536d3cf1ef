import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { RunDetail } from "@ledger/indexer";
import { resolveInside, runArtifactsDir } from "@ledger/schema";
import { problem } from "./respond.js";

/**
 * `GET /runs/{id}/artifacts/{path}`: one of the run's artifact files, as a download. Only a path
 * the run's events name (an `artifact.created` or `run.completed`'s `artifact_paths`) is served,
 * and only from inside the run's artifacts folder.
 */
export async function downloadArtifact(
  response: ServerResponse,
  root: string,
  detail: RunDetail,
  path: string,
): Promise<void> {
  const named =
    detail.artifacts.some((a) => a.path === path) || (detail.run.artifact_paths ?? []).includes(path);
  if (!named) return problem(response, 404, `run ${detail.run.run_id} has no artifact ${path.slice(0, 200)}`);
  const file = resolveInside(runArtifactsDir(root, detail.run.run_id), path, "artifact path");
  const size = (await stat(file).catch(() => undefined))?.size;
  if (size === undefined) return problem(response, 404, `artifact ${path.slice(0, 200)} is not on disk`);
  const name = path.split("/").pop() ?? "artifact";
  response.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": size,
    "content-disposition": `attachment; filename="${name}"`,
  });
  await pipeline(createReadStream(file), response);
}
