import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { readLog } from "@ledger/writer";
import { type Outcome, repoRoot, type Scale, tempDir } from "../harness.js";

const good = (i: number) =>
  JSON.stringify({
    event_id: `01JF${String(i).padStart(22, "0")}`,
    event_type: "run.started",
    schema_version: 1,
    timestamp_ms: 1_767_225_600_000 + i,
    run_id: `fz-${i}`,
  });

/** Inputs readers and the CLI meet in the wild, one (or more) lines each. */
function corpus(soak: boolean): Buffer[] {
  const deep = 1_000_000;
  const inputs: Buffer[] = [
    Buffer.from(`${good(1).slice(0, 40)}`), // torn (no newline) - only valid as the last input
    Buffer.alloc(4096, 0),
    Buffer.from(`\uFEFF${good(2)}`),
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    Buffer.from(good(3).replace('"fz-3"', '"fz-\u2028-3"')),
    Buffer.from(
      `{"__proto__":{"polluted":true},"event_type":"run.started","run_id":"p","event_id":"01JF0000000000000000000009","schema_version":1,"timestamp_ms":1}`,
    ),
    Buffer.from(`${"[".repeat(deep)}${"]".repeat(deep)}`),
    Buffer.from(
      `{"event_type":"run.started","run_id":"../../etc/passwd","event_id":"01JF0000000000000000000010","schema_version":1,"timestamp_ms":1}`,
    ),
    Buffer.from(
      '{"event_type":"run.started","event_type":"trial.recorded","run_id":"dup-key","event_id":"01JF0000000000000000000011","schema_version":1,"timestamp_ms":1}',
    ),
    Buffer.alloc(soak ? 200 * 1024 * 1024 : 100 * 1024 * 1024, 0x61),
    Buffer.from(good(4)),
  ];
  return inputs;
}

/** Fuzzed lines through the reader, the indexer and `ledger emit`: nothing may throw or crash. */
export async function fuzzScenario(scale: Scale): Promise<Outcome> {
  const dir = tempDir("fuzz");
  try {
    const inputs = corpus(scale.soak);
    const [torn, ...rest] = inputs;
    const dayDir = join(dir.path, "events", "day=2026-01-01");
    mkdirSync(dayDir, { recursive: true });
    const body = Buffer.concat([...rest.flatMap((b) => [b, Buffer.from("\n")]), torn!]);
    writeFileSync(join(dayDir, "part-000001.jsonl"), body);
    let uncaught = 0;
    let events = 0;
    let problems = 0;
    try {
      for await (const { event } of readLog({ root: dir.path, onProblem: () => problems++ })) {
        events++;
        if (Object.hasOwn(Object.prototype, "polluted")) uncaught++;
        void event;
      }
    } catch {
      uncaught++;
    }
    let quarantined = 0;
    try {
      const indexer = await openIndexer({ root: dir.path });
      quarantined = (await indexer.update()).quarantined;
      await indexer.close();
    } catch {
      uncaught++;
    }
    // The CLI: each input (except the 100 MB one) as NDJSON on stdin. Exit 0 or 1, never a crash.
    let cliCrashes = 0;
    const bin = join(repoRoot, "apps/cli/dist/bin.js");
    for (const input of inputs.filter((b) => b.length < 10 * 1024 * 1024)) {
      const r = spawnSync(process.execPath, [bin, "emit", "--root", join(dir.path, "cli")], {
        input,
        encoding: "utf8",
      });
      if (r.status !== 0 && r.status !== 1) cliCrashes++;
    }
    const peak = process.resourceUsage().maxRSS / 1024;
    // Two lines are valid events: the one behind a BOM and the last one.
    const ok = uncaught === 0 && cliCrashes === 0 && events === 2;
    return {
      scenario: "fuzz",
      ok,
      line: `${inputs.length} inputs (torn, NULs, BOM, bad UTF-8, U+2028, __proto__, 1M-deep nesting, duplicate keys, ${Math.round(inputs[9]!.length / 1048576)} MB line): uncaught exceptions ${uncaught}, CLI crashes ${cliCrashes}, events read ${events}, lines reported ${problems}, quarantined by the indexer ${quarantined}, peak memory ${peak.toFixed(0)} MB`,
      figures: {
        inputs: inputs.length,
        uncaught,
        cliCrashes,
        events,
        problems,
        quarantined,
        peakMB: Math.round(peak),
      },
    };
  } finally {
    dir.rm();
  }
}
