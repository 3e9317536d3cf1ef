import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DiskFullError, WriteFailedError } from "./errors.js";
import { nodeFs, type WriterFs } from "./fs-layer.js";
import { allLines, partFiles, tempRoot, trial } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** node:fs, except that `op` fails with `code` on its `nth` call (1-based), and only then. */
function faulty(op: "write" | "fdatasync", code: string, nth: number, partial = false): WriterFs {
  let calls = 0;
  return {
    ...nodeFs,
    write: async (fd, data) => {
      if (op === "write" && ++calls === nth) {
        // A partial write before the failure, as a filling disk does.
        if (partial) await nodeFs.write(fd, data.subarray(0, Math.floor(data.length / 2)));
        throw errno(code);
      }
      return nodeFs.write(fd, data);
    },
    fdatasync: async (fd) => {
      await nodeFs.fdatasync(fd);
      if (op === "fdatasync" && ++calls === nth) throw errno(code);
    },
  };
}

describe.each([
  ["write", "EIO", WriteFailedError, false],
  ["write", "ENOSPC", DiskFullError, true],
  ["fdatasync", "EIO", WriteFailedError, false],
  ["fdatasync", "ENOSPC", DiskFullError, false],
] as const)("a failed %s (%s)", (op, code, ErrorClass, partial) => {
  it("acknowledges nothing, seals the file, keeps earlier data and moves on to a new part", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root, fs: faulty(op, code, 3, partial) });
    const good = [await writer.append(trial("r1", 1)), await writer.append(trial("r1", 2))];
    const before = readFileSync(join(root, "events", good[0]!.position!.file));

    const failed = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => writer.append(trial("r1", 10 + i))),
    );
    for (const f of failed) {
      expect(f.status).toBe("rejected");
      if (f.status === "rejected") {
        expect(f.reason).toBeInstanceOf(ErrorClass);
        expect(f.reason.message).not.toContain("\n");
      }
    }
    const after = await writer.append(trial("r1", 20));
    await writer.close();

    expect(after.position!.file).not.toBe(good[0]!.position!.file);
    expect(readFileSync(join(root, "events", good[0]!.position!.file))).toEqual(before);
    expect(allLines(root).map((l) => l.trial_id)).toEqual(["t-1", "t-2", "t-20"]);
    expect(partFiles(root)).toHaveLength(2);
    expect(writer.health()).toMatchObject({ failedAppends: 5, appended: 3 });
  });
});

describe("a disk full when nothing was written yet", () => {
  it("rejects with a clear error and leaves no empty part file behind", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root, fs: faulty("write", "ENOSPC", 1) });
    await expect(writer.append(trial("r1", 1))).rejects.toThrow(
      /^disk full on day=.*part-000001\.jsonl: ENOSPC/,
    );
    await writer.close();
    expect(partFiles(root)).toEqual([]);
  });
});
