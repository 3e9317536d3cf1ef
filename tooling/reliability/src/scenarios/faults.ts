import { execFileSync } from "node:child_process";
import { mkdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { nodeFs, openWriter, readLog, type WriterFs } from "@ledger/writer";
import type { Outcome, Scale } from "../harness.js";
import { tempDir } from "../harness.js";

function faulty(op: "write" | "fdatasync", code: string, failAt: number): WriterFs {
  let calls = 0;
  return {
    ...nodeFs,
    write: async (fd, data) => {
      if (op === "write" && ++calls === failAt) {
        // Half the bytes land first, as on a filling disk.
        await nodeFs.write(fd, data.subarray(0, Math.floor(data.length / 2)));
        throw Object.assign(new Error(`injected ${code}`), { code });
      }
      return nodeFs.write(fd, data);
    },
    fdatasync: async (fd) => {
      await nodeFs.fdatasync(fd);
      if (op === "fdatasync" && ++calls === failAt)
        throw Object.assign(new Error(`injected ${code}`), { code });
    },
  };
}

async function logIds(root: string): Promise<{ ids: Set<string>; problems: number }> {
  const ids = new Set<string>();
  let problems = 0;
  for await (const { event } of readLog({ root, onProblem: () => problems++ })) ids.add(event.event_id);
  return { ids, problems };
}

/** ENOSPC and EIO on write and on fdatasync (injected), then a real tmpfs that fills up. */
export async function faultsScenario(_scale: Scale): Promise<Outcome> {
  let faultedAcked = 0;
  let damaged = 0;
  let injected = 0;
  for (const op of ["write", "fdatasync"] as const) {
    for (const code of ["ENOSPC", "EIO"]) {
      const dir = tempDir("faults");
      try {
        const writer = await openWriter({ root: dir.path, fs: faulty(op, code, 6) });
        const acked: string[] = [];
        let rejected = 0;
        for (let i = 0; i < 10; i++) {
          try {
            const a = await writer.append({ event_type: "run.started", run_id: `r${i}` });
            acked.push(a.event.event_id);
          } catch {
            rejected++;
          }
        }
        injected += rejected;
        // One fault was injected; if no append failed, the faulted one was acknowledged.
        if (rejected === 0) faultedAcked++;
        await writer.close().catch(() => {});
        const { ids, problems } = await logIds(dir.path);
        damaged += acked.filter((id) => !ids.has(id)).length + problems;
      } finally {
        dir.rm();
      }
    }
  }
  const real = await realDiskFull();
  const ok =
    faultedAcked === 0 && damaged === 0 && injected === 4 && real.damaged === 0 && real.faultedAcked === 0;
  return {
    scenario: "faults",
    ok,
    line: `injected ENOSPC/EIO on write and fdatasync: ${injected} failed appends rejected, faulted appends acknowledged ${faultedAcked}, earlier data damaged ${damaged}; real full tmpfs: ${real.note}`,
    figures: { injected, faultedAcked, damaged, realDamaged: real.damaged, realNote: real.note },
  };
}

/** A 2 MB tmpfs filled by the writer until the disk is full; skipped when mounting is not allowed. */
async function realDiskFull(): Promise<{ damaged: number; faultedAcked: number; note: string }> {
  const dir = tempDir("tmpfs");
  const mount = join(dir.path, "mnt");
  mkdirSync(mount);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount], { stdio: "ignore" });
  } catch {
    dir.rm();
    return { damaged: 0, faultedAcked: 0, note: "skipped (mount not permitted here)" };
  }
  try {
    const writer = await openWriter({ root: mount });
    const acked: string[] = [];
    let fullError = "";
    const payload = "x".repeat(4000);
    for (let i = 0; i < 2000 && fullError === ""; i++) {
      try {
        const a = await writer.append({
          event_type: "trial.recorded",
          run_id: "fill",
          trial_id: `t${i}`,
          params: { payload },
          metrics: {},
        });
        acked.push(a.event.event_id);
      } catch (error) {
        fullError = (error as { code?: string }).code ?? String(error);
      }
    }
    await writer.close().catch(() => {});
    const { ids, problems } = await logIds(mount);
    const damaged = acked.filter((id) => !ids.has(id)).length + problems;
    return {
      damaged,
      faultedAcked: 0,
      note: `${acked.length} events acknowledged before ${fullError || "no error"} on a 2 MB disk, damaged ${damaged}`,
    };
  } finally {
    try {
      execFileSync("umount", [mount], { stdio: "ignore" });
      rmdirSync(mount);
    } catch {
      // left for the OS to clean
    }
    dir.rm();
  }
}
