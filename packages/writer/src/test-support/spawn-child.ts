import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("./append-child.ts", import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Ids the child reported as acknowledged (complete lines only). */
  acked: string[];
  exited: Promise<number | null>;
}

/** Spawns `append-child.ts` from the TypeScript sources (no build needed). */
export function spawnAppender(
  root: string,
  runId: string,
  count: number,
  concurrency = 8,
  durability = "fsync",
  /** The child appends one event, then waits for this file before the rest. */
  barrier?: string,
): Child {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@ledger/source",
      "--import",
      "tsx",
      script,
      root,
      runId,
      String(count),
      String(concurrency),
      durability,
      ...(barrier ? [barrier] : []),
    ],
    { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] },
  );
  const acked: string[] = [];
  let partial = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l) acked.push(l);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { process: child, acked, exited };
}
