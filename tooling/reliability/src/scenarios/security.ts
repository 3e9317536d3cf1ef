import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { isSafeId, isSafeRelativePath } from "@ledger/schema";
import { createRunDirectory, openWriter } from "@ledger/writer";
import { type Outcome, repoRoot, type Scale, serveLedger, tempDir } from "../harness.js";

const TRAVERSAL = [
  "../etc",
  "..",
  ".",
  "a/../../b",
  "%2e%2e%2f",
  "..%2F..%2F",
  "/etc/passwd",
  "C:\\windows",
  "a\u0000b",
  "a/b",
  "a\\b",
  "",
  "x".repeat(300),
  "\u202e",
  "..\\..\\",
];
const PATHS = ["../x", "/abs", "a/../../b", "a\u0000b", "..", "a//b", "./a", "a\\b", "%2e%2e/x"];
const INJECTION = [
  "x' OR '1'='1",
  "'; DROP TABLE runs_d; --",
  '" OR 1=1 --',
  "1; DELETE FROM runs_status",
  "$1",
  "\\'",
];

export async function securityScenario(_scale: Scale): Promise<Outcome> {
  const dir = tempDir("security");
  const root = dir.path;
  const bin = join(repoRoot, "apps/cli/dist/bin.js");
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [bin, ...args, "--root", root], { encoding: "utf8" });
  try {
    let accepted = 0;
    let tried = 0;
    for (const id of TRAVERSAL) {
      tried++;
      if (isSafeId(id)) accepted++;
      if (id.includes("\u0000")) continue; // argv cannot carry a NUL: the API check above covers it
      tried += 2;
      if (cli(["emit", "--event-type", "run.started", "--run-id", id]).status === 0) accepted++;
      if (
        cli([
          "emit",
          "--event-type",
          "run.created",
          "--run-id",
          "ok",
          "--run-type",
          "t",
          "--config",
          "{}",
          "--data-fingerprint",
          "f",
          "--workspace-id",
          id,
        ]).status === 0
      )
        accepted++;
    }
    const writer = await openWriter({ root });
    const run = await createRunDirectory(writer, "sec-run");
    for (const p of PATHS) {
      tried += 2;
      if (isSafeRelativePath(p)) accepted++;
      try {
        await run.writeJson(p, {});
        accepted++;
      } catch {
        // rejected, as it must be
      }
    }
    // A run folder that is a symlink out of the artifacts tree.
    const outside = join(root, "outside");
    mkdirSync(outside);
    symlinkSync(outside, join(root, "artifacts", "runs", "sym-run"));
    tried++;
    try {
      const sym = await createRunDirectory(writer, "sym-run");
      await sym.writeJson("x.json", {});
      if (readdirSync(outside).length > 0) accepted++;
    } catch {
      // rejected
    }
    await writer.append({
      event_type: "run.created",
      run_id: "sec-run",
      run_type: "t",
      config: {},
      data_fingerprint: "f",
    });
    await writer.close();
    const indexer = await openIndexer({ root });
    await indexer.update();
    await indexer.close();
    let reachedSql = 0;
    for (const text of INJECTION) {
      tried += 2;
      const byStatus = cli(["runs", "--status", text, "--json"]);
      const byType = cli(["runs", "--type", text, "--json"]);
      if (byStatus.stdout.trim() !== "" || byType.stdout.trim() !== "") reachedSql++;
    }
    const intact = cli(["runs", "--json"]).stdout.includes("sec-run");
    const server = serveLedger(root, ["--token", "t0ken"]);
    const base = await server.base;
    let httpLeaks = 0;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: "Basic dDBrZW4=" },
      { authorization: "Bearer " },
    ];
    for (const headers of attempts) {
      tried++;
      if ((await fetch(`${base}/runs`, { headers })).status !== 401) httpLeaks++;
    }
    for (const text of INJECTION) {
      tried++;
      const r = await fetch(`${base}/runs?type=${encodeURIComponent(text)}`, {
        headers: { authorization: "Bearer t0ken" },
      });
      const body = (await r.json()) as { runs?: unknown[] };
      if (r.status === 200 && (body.runs?.length ?? 0) > 0) reachedSql++;
    }
    server.proc.kill("SIGTERM");
    const modes = readdirSync(join(root, "events"), { recursive: true, encoding: "utf8" })
      .map((p) => join(root, "events", p))
      .filter((p) => !p.includes("_schema"))
      .map((p) => ({ p, mode: statSync(p).mode & 0o777, dir: statSync(p).isDirectory() }));
    const badModes = modes.filter((m) => (m.dir ? m.mode !== 0o700 : m.mode !== 0o600)).length;
    const ok = accepted === 0 && reachedSql === 0 && intact && httpLeaks === 0 && badModes === 0;
    return {
      scenario: "security",
      ok,
      line: `${tried} hostile inputs: traversal accepted ${accepted}, SQL injections that reached SQL ${reachedSql} (table intact: ${intact}), HTTP requests let through without the token ${httpLeaks}, log paths with open modes ${badModes} of ${modes.length}`,
      figures: { tried, accepted, reachedSql, intact, httpLeaks, badModes },
    };
  } finally {
    dir.rm();
  }
}
