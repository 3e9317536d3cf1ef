import {
  constants,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  createCatalogue,
  defineEvent,
  LineTooLargeError,
  SchemaValidationError,
  Type,
  UnknownEventTypeError,
} from "@ledger/schema";
import { describe, expect, it } from "vitest";
import { allLines, partFiles, tempRoot, trial } from "./test-support/temp-root.js";
import { openWriter } from "./writer.js";

describe("openWriter", () => {
  it("appends durable lines, filling the envelope and per-run seq", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    const a = await writer.append(trial("r1", 1));
    const b = await writer.append(trial("r1", 2));
    const c = await writer.append(trial("r2", 1));
    await writer.close();
    expect([a.event.seq, b.event.seq, c.event.seq]).toEqual([1, 2, 1]);
    expect(a.event.event_id < b.event.event_id).toBe(true);
    expect(a.event.schema_version).toBe(1);
    const lines = allLines(root);
    expect(lines.map((l) => l.event_id)).toEqual([a, b, c].map((x) => x.event.event_id));
    const text = readFileSync(join(root, "events", a.position!.file));
    expect(
      JSON.parse(text.subarray(b.position!.offset, b.position!.offset + b.position!.length).toString()),
    ).toEqual(b.event);
    expect(readFileSync(join(root, "events", "_schema.json"), "utf8")).toContain("trial.recorded@1");
    expect(statSync(join(root, "events", a.position!.file)).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "events")).mode & 0o777).toBe(0o700);
  });

  it("rejects invalid events with the schema error and writes nothing", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    await expect(writer.append({ event_type: "trial.recorded", run_id: "r1" })).rejects.toBeInstanceOf(
      SchemaValidationError,
    );
    await expect(writer.append({ event_type: "nope.nope" })).rejects.toBeInstanceOf(UnknownEventTypeError);
    await expect(writer.append({ ...trial("../x", 1) })).rejects.toThrow(/run_id/);
    await expect(writer.appendMany([trial("r1", 1), { event_type: "trial.recorded" }])).rejects.toThrow();
    const ok = await writer.append(trial("r1", 1));
    expect(ok.event.seq).toBe(1); // failed appends used no seq
    await writer.close();
    expect(allLines(root)).toHaveLength(1);
  });

  it("refuses a huge line unless the type marks the field truncatable", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root, maxLineBytes: 4096 });
    await expect(
      writer.append({ ...trial("r1", 1), params: { blob: "x".repeat(10_000) } }),
    ).rejects.toBeInstanceOf(LineTooLargeError);
    const cut = await writer.append({
      event_type: "alert.ingested",
      alert_id: "a1",
      source: "s",
      received_at_ms: 1,
      payload: { blob: "x".repeat(10_000) },
    });
    await writer.close();
    expect(cut.position!.length).toBeLessThanOrEqual(4096);
    expect(allLines(root)[0]).toMatchObject({ payload: { _truncated: true, original_bytes: 10_011 } });
  });

  it("rotates at a line boundary", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root, rotateBytes: 1000 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append(trial("r1", i))));
    await writer.close();
    const files = partFiles(root);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(root, "events", f), "utf8");
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
      expect(text.endsWith("\n")).toBe(true);
    }
    expect(allLines(root).map((l) => l.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("partitions by the UTC day of the append, following an injected clock", async () => {
    const root = tempRoot();
    let now = Date.parse("2026-01-23T23:59:59.900Z");
    const writer = await openWriter({ root, clock: () => now });
    await writer.append(trial("r1", 1));
    now = Date.parse("2026-01-24T00:00:00.100Z");
    await writer.append(trial("r1", 2));
    await writer.close();
    expect(partFiles(root)).toEqual(["day=2026-01-23/part-000001.jsonl", "day=2026-01-24/part-000001.jsonl"]);
  });

  it("lets short-lived writers share one part file", async () => {
    const root = tempRoot();
    for (let i = 0; i < 5; i++) {
      const writer = await openWriter({ root });
      await writer.append(trial("r1", i));
      await writer.close();
    }
    expect(partFiles(root)).toHaveLength(1);
    expect(allLines(root)).toHaveLength(5);
  });

  it("never shares a part file between two open writers", async () => {
    const root = tempRoot();
    const a = await openWriter({ root });
    const b = await openWriter({ root });
    const [x, y] = await Promise.all([a.append(trial("r1", 1)), b.append(trial("r2", 1))]);
    expect(x.position!.file).not.toBe(y.position!.file);
    await Promise.all([a.close(), b.close()]);
  });

  it("notices a part file deleted or replaced under it and opens a new one", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    const first = await writer.append(trial("r1", 1));
    rmSync(join(root, "events", first.position!.file));
    const second = await writer.append(trial("r1", 2));
    expect(second.position!.file).not.toBe(first.position!.file);
    const replacement = join(root, "events", "replacement.tmp");
    writeFileSync(replacement, "replaced\n");
    renameSync(replacement, join(root, "events", second.position!.file));
    const third = await writer.append(trial("r1", 3));
    expect(third.position!.file).not.toBe(second.position!.file);
    await writer.close();
    expect(readFileSync(join(root, "events", third.position!.file), "utf8")).toContain('"seq":3');
  });

  it("calls subscribers after durability and delivers ephemeral events without writing them", async () => {
    const root = tempRoot();
    const catalogue = createCatalogue().register(
      defineEvent("progress.ticked", 1, "run", { pct: Type.Number() }, { ephemeral: true }),
    );
    const writer = await openWriter({ root, catalogue });
    const seen: string[] = [];
    writer.subscribe((a) => seen.push(`${a.event.event_type}:${a.position ? "written" : "ephemeral"}`));
    writer.subscribe(() => {
      throw new Error("a bad subscriber does not break the writer");
    });
    await writer.append({ event_type: "progress.ticked", run_id: "r1", pct: 50 });
    await writer.append(trial("r1", 1));
    await writer.close();
    expect(seen).toEqual(["progress.ticked:ephemeral", "trial.recorded:written"]);
    expect(allLines(root).map((l) => l.event_type)).toEqual(["trial.recorded"]);
    expect(writer.health().subscriberErrors).toBe(2);
  });

  it.each(["batch", "none"] as const)("in %s mode writes everything by flush()", async (durability) => {
    const root = tempRoot();
    const writer = await openWriter({ root, durability, batchIntervalMs: 5 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => writer.append(trial("r1", i))));
    await writer.flush();
    expect(allLines(root)).toHaveLength(100);
    await writer.close();
    await expect(writer.append(trial("r1", 1))).rejects.toMatchObject({ code: "LEDGER_WRITER_CLOSED" });
  });

  it("coalesces concurrent appends into few writes (group commit)", async () => {
    const root = tempRoot();
    let fsyncs = 0;
    const { nodeFs } = await import("./fs-layer.js");
    const writer = await openWriter({
      root,
      fs: {
        ...nodeFs,
        fdatasync: (fd) => {
          fsyncs++;
          return nodeFs.fdatasync(fd);
        },
      },
    });
    await Promise.all(Array.from({ length: 500 }, (_, i) => writer.append(trial("r1", i))));
    await writer.close();
    expect(allLines(root)).toHaveLength(500);
    expect(fsyncs).toBeLessThan(50);
  });

  it("writes a lone appender's events at once, without a turn of the event loop, from its second event on", async () => {
    const root = tempRoot();
    const writer = await openWriter({ root });
    // The first append opens the part, which goes through the group commit.
    await writer.append(trial("r1", 0));
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const yielded = new Promise<void>((resolve) => setImmediate(resolve));
    let immediate = false;
    void yielded.then(() => {
      immediate = true;
    });
    for (let i = 1; i <= 50; i++) await writer.append(trial("r1", i));
    const ranBetween = immediate;
    clearInterval(tick);
    await writer.close();
    expect(ranBetween).toBe(false);
    expect(turns).toBe(0);
    expect(allLines(root)).toHaveLength(51);
  });

  it.skipIf(process.platform !== "linux")(
    "opens the part O_DSYNC when each append must be durable, and plain when a timer syncs",
    async () => {
      // The open file's flags, as the kernel holds them for this process.
      const partFlags = (root: string): number[] =>
        readdirSync("/proc/self/fd").flatMap((fd) => {
          const target = (() => {
            try {
              return readlinkSync(`/proc/self/fd/${fd}`);
            } catch {
              return "";
            }
          })();
          // The kernel names the file by its real path; the temporary folder may be a symlink.
          if (!target.startsWith(realpathSync(join(root, "events"))) || !target.endsWith(".jsonl")) return [];
          const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
          return flags === undefined ? [] : [Number.parseInt(flags, 8)];
        });
      const flagsOf = async (durability: "fsync" | "batch") => {
        const root = tempRoot();
        const writer = await openWriter({ root, durability });
        await writer.append(trial("r1", 1));
        const flags = partFlags(root);
        await writer.close();
        expect(allLines(root)).toHaveLength(1);
        return flags;
      };
      const synced = await flagsOf("fsync");
      expect(synced).toHaveLength(1);
      expect(synced[0]! & constants.O_DSYNC).toBe(constants.O_DSYNC);
      expect(synced[0]! & constants.O_APPEND).toBe(constants.O_APPEND);
      const batched = await flagsOf("batch");
      expect(batched).toHaveLength(1);
      expect(batched[0]! & constants.O_DSYNC).toBe(0);
    },
  );
});
