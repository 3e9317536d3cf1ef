import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, ledger, ledgerLive, tempRoot } from "./test-support/cli.js";

describe("ledger", () => {
  it("demo simulates backtests, indexes them and shows the runs table", () => {
    const root = tempRoot();
    const demo = ledger(["demo", "--runs", "10", "--root", root]);
    expect(demo.stderr).toBe("");
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/10 runs written \(1 failed on purpose\)/);
    expect(demo.stdout).toMatch(/run_id\s+run_type\s+status/);
    const runs = ledger(["runs", "--json", "--root", root])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(runs).toHaveLength(10);
    expect(runs.filter((r) => r.status === "failed")).toHaveLength(1);
    const id = runs.find((r) => r.run_type === "optimize" && r.status === "succeeded").run_id;
    const run = JSON.parse(ledger(["run", id, "--json", "--root", root]).stdout);
    expect(run.phases.map((p: { phase: string }) => p.phase)).toEqual([
      "coverage",
      "slice",
      "load",
      "execute",
      "store",
      "aggregate",
    ]);
    expect(run.artifacts.map((a: { path: string }) => a.path).sort()).toEqual([
      "equity_curve.parquet",
      "summary.json",
      "trades.parquet",
    ]);
    expect(run.trials).toBeGreaterThan(0);
  });

  it("emit keeps the seeds' flags, and the index picks the event up", () => {
    const root = tempRoot();
    const emitted = ledger([
      "emit",
      "--event-type",
      "run.created",
      "--run-id",
      "test-123",
      "--run-type",
      "baseline",
      "--config",
      "{}",
      "--data-fingerprint",
      "test-fp",
      "--root",
      root,
    ]);
    expect(emitted.code).toBe(0);
    expect(emitted.stdout.trim()).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(
      ledger([
        "emit",
        "--event-type",
        "phase.started",
        "--run-id",
        "test-123",
        "--phase",
        "load",
        "--phase-order",
        "2",
        "--root",
        root,
      ]).code,
    ).toBe(0);
    const rebuilt = ledger(["rebuild-index", "--json", "--root", root]);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ events: 2, published: true });
    const run = JSON.parse(ledger(["run", "test-123", "--json", "--root", root]).stdout);
    expect(run.run).toMatchObject({ run_id: "test-123", run_type: "baseline", status: "created" });
    expect(run.phases).toEqual([expect.objectContaining({ phase: "load", phase_order: 2 })]);
  });

  it("validates a whole NDJSON batch before writing any of it, naming the bad line", () => {
    const root = tempRoot();
    const batch = [
      JSON.stringify({ event_type: "run.started", run_id: "a" }),
      JSON.stringify({ event_type: "trial.recorded", run_id: "a", trial_id: "t", params: {} }),
    ].join("\n");
    const bad = ledger(["emit", "--root", root], { input: batch });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^ledger: line 2: trial\.recorded v1: .*metrics.* \[LEDGER_SCHEMA_INVALID\]\n$/,
    );
    expect(ledger(["events", "--json", "--root", root]).stdout).toBe("");
    expect(ledger(["emit", "--root", root], { input: "{nope\n" }).stderr).toMatch(/stdin line 1/);
    const traversal = ledger(["emit", "--event-type", "run.started", "--run-id", "../etc", "--root", root]);
    expect(traversal.code).toBe(1);
    expect(traversal.stderr.split("\n")).toHaveLength(2);
    const good = ledger(["emit", "--root", root], {
      input: `${batch.split("\n")[0]}\n${batch.split("\n")[0]}\n`,
    });
    expect(good.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("maps errors to exit codes: usage 2, user 1, one line each", () => {
    const root = tempRoot();
    expect(ledger(["bogus"]).code).toBe(2);
    expect(ledger(["runs", "--limit", "0", "--root", root]).code).toBe(2);
    ledger(["emit", "--event-type", "run.started", "--run-id", "r", "--root", root]);
    const missing = ledger(["runs", "--root", root]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ledger: no index at .* \[LEDGER_INDEX_MISSING\]\n$/);
    ledger(["demo", "--runs", "1", "--root", root]);
    const write = ledger(["query", "DELETE FROM runs_d", "--root", root]);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/read-only/);
    expect(ledger(["query", "SELECT count(*) AS n FROM runs_d", "--json", "--root", root]).stdout).toBe(
      '{"n":1}\n',
    );
    expect(ledger(["rebuild-index", "--db", "/tmp/x.duckdb", "--root", root]).stderr).toMatch(
      /--db must end in runs\.duckdb/,
    );
    expect(ledger(["runs", "--since", "yesterday-ish", "--root", root]).stderr).toMatch(
      /--since "yesterday-ish"/,
    );
    expect(ledger(["daemon", "--health", "--root", root]).code).toBe(1);
    const open = ledger(["serve", "--host", "0.0.0.0", "--root", root]);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/pass --token/);
  });

  it("--help never loads DuckDB", () => {
    // Run the bin with --help and, as the process exits, list the native libraries it mapped.
    const script = `
      process.on("exit", () => {
        const maps = require("node:fs").readFileSync("/proc/self/maps", "utf8");
        process.stderr.write(maps.includes("duckdb") ? "DUCKDB LOADED" : "no duckdb");
      });
      process.argv = [process.argv[0], "ledger", "--help"];
      import(${JSON.stringify(BIN)});
    `;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(r.stdout).toMatch(/Commands:/);
    expect(r.stderr).toBe("no duckdb");
  });

  it("events --follow prints events as another process appends them", async () => {
    const root = tempRoot();
    ledger(["emit", "--event-type", "run.started", "--run-id", "first", "--root", root]);
    const follow = ledgerLive(["events", "--follow", "--root", root]);
    try {
      await follow.waitFor(/run\.started\s+first/);
      ledger(["emit", "--event-type", "run.started", "--run-id", "second", "--root", root]);
      await follow.waitFor(/run\.started\s+second/);
    } finally {
      follow.child.kill("SIGTERM");
    }
  });

  it("doctor passes a healthy ledger and names each problem it finds", async () => {
    const root = tempRoot();
    ledger(["demo", "--runs", "2", "--root", root]);
    const healthy = ledger(["doctor", "--json", "--root", root]);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ ok: true });
    const { appendFileSync, readdirSync, chmodSync } = await import("node:fs");
    const day = readdirSync(`${root}/events`).find((d) => d.startsWith("day="))!;
    const part = `${root}/events/${day}/part-000001.jsonl`;
    const line = (await import("node:fs")).readFileSync(part, "utf8").split("\n")[0];
    appendFileSync(part, `${line}\n{"broken\n`); // a duplicate and a malformed line
    ledger(["rebuild-index", "--root", root]);
    appendFileSync(part, '{"event_type":"run.started","run_id":"late"}\n{"torn'); // not yet indexed, then torn
    chmodSync(part, 0o644);
    const sick = ledger(["doctor", "--json", "--root", root]);
    expect(sick.code).toBe(1);
    const report = JSON.parse(sick.stdout) as { checks: { name: string; ok: boolean }[] };
    expect(
      report.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["duplicate event ids", "index lag", "permissions", "quarantine", "torn tails"].sort());
    expect(report.checks.find((c) => c.name === "parity")?.ok).toBe(true);
    expect(sick.stderr).toMatch(/^ledger: 5 problem\(s\): .*\[LEDGER_DOCTOR_PROBLEMS\]\n$/);
  });

  it("legacy backfill then compare: parity holds, and each subcommand answers by the cutover", async () => {
    const root = tempRoot();
    const { generateLegacyDb } = await import("@ledger/legacy-adapter/test-support");
    const legacyDb = `${root}/legacy.duckdb`;
    await generateLegacyDb({ path: legacyDb, runs: 120, cutover: new Date("2026-03-01T00:00:00Z") });
    const flags = ["--legacy-db", legacyDb, "--cutover", "2026-03-01T00:00:00Z", "--root", root];
    const filled = ledger(["legacy", "backfill", "--json", ...flags]);
    expect(filled.code).toBe(0);
    expect(JSON.parse(filled.stdout)).toMatchObject({ eventsSkipped: 0, rejected: [] });
    expect(JSON.parse(ledger(["legacy", "backfill", "--json", ...flags]).stdout)).toMatchObject({
      eventsWritten: 0,
    });
    expect(ledger(["legacy", "compare", ...flags]).code).toBe(1); // not indexed yet: every run is missing
    ledger(["rebuild-index", "--root", root]);
    const parity = ledger(["legacy", "compare", ...flags]);
    expect(parity.stdout).toMatch(/^parity: /);
    expect(parity.code).toBe(0);
    expect(ledger(["legacy", "source", "legacy-eve-2358", ...flags]).stdout).toBe("legacy\n");
    expect(
      ledger(["legacy", "runs", "--json", "--limit", "3", ...flags])
        .stdout.trim()
        .split("\n"),
    ).toHaveLength(3);
    expect(ledger(["legacy", "status", "../x", ...flags]).code).toBe(1);
  });

  it("retention gzips sealed days, deletes expired ones, and the index keeps their runs", async () => {
    const root = tempRoot();
    const { mkdirSync, writeFileSync, existsSync } = await import("node:fs");
    const dayAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    let n = 0;
    for (const [age, runId] of [
      [200, "ancient"],
      [30, "month-old"],
    ] as const) {
      const t = Date.parse(`${dayAgo(age)}T12:00:00Z`);
      const lines = [
        { event_type: "run.created", run_type: "optimize", config: {}, data_fingerprint: "fp" },
        { event_type: "run.started" },
        { event_type: "run.completed", status: "succeeded", summary: {}, artifact_paths: [] },
      ].map((e, i) =>
        JSON.stringify({
          event_id: `01JT${String(++n).padStart(22, "0")}`,
          schema_version: 1,
          timestamp_ms: t + i,
          run_id: runId,
          seq: i + 1,
          ...e,
        }),
      );
      mkdirSync(`${root}/events/day=${dayAgo(age)}`, { recursive: true, mode: 0o700 });
      writeFileSync(`${root}/events/day=${dayAgo(age)}/part-000001.jsonl`, `${lines.join("\n")}\n`, {
        mode: 0o600,
      });
    }
    ledger(["emit", "--event-type", "run.started", "--run-id", "today", "--root", root]);
    const dry = JSON.parse(
      ledger([
        "retention",
        "--compress-after",
        "7d",
        "--delete-after",
        "90d",
        "--dry-run",
        "--json",
        "--root",
        root,
      ]).stdout,
    );
    expect(dry).toMatchObject({
      compress: [`day=${dayAgo(30)}/part-000001.jsonl`],
      delete: [`day=${dayAgo(200)}`],
    });
    expect(existsSync(`${root}/events/day=${dayAgo(200)}`)).toBe(true);
    const done = ledger(["retention", "--compress-after", "7d", "--delete-after", "90d", "--root", root]);
    expect(done.code).toBe(0);
    expect(existsSync(`${root}/events/day=${dayAgo(200)}`)).toBe(false);
    expect(existsSync(`${root}/events/day=${dayAgo(30)}/part-000001.jsonl.gz`)).toBe(true);
    expect(existsSync(`${root}/events/day=${dayAgo(30)}/part-000001.jsonl`)).toBe(false);
    // Readers still read the gzipped day; the index keeps the deleted day's run and marks it archived.
    expect(
      ledger(["events", "--run", "month-old", "--json", "--root", root]).stdout.trim().split("\n"),
    ).toHaveLength(3);
    ledger(["rebuild-index", "--root", root]);
    const runs = ledger(["runs", "--json", "--root", root])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l).run_id);
    expect(runs.sort()).toEqual(["ancient", "month-old", "today"]);
    expect(
      ledger(["query", "SELECT count(*) AS n FROM archived_events", "--json", "--root", root]).stdout,
    ).toBe('{"n":3}\n');
    expect(ledger(["doctor", "--root", root]).code).toBe(0);
    expect(ledger(["retention", "--root", root]).code).toBe(2);
  });

  it("every command refuses an unknown flag with one line and exit 2, writing nothing", async () => {
    const root = tempRoot();
    const commands = [
      ["demo"],
      ["events"],
      ["runs"],
      ["run", "x"],
      ["query", "SELECT 1"],
      ["rebuild-index"],
      ["daemon"],
      ["serve"],
      ["doctor"],
      ["retention", "--compress-after", "7d"],
      ["legacy", "runs", "--legacy-db", "x", "--cutover", "2026-01-01"],
    ];
    for (const command of commands) {
      const r = ledger([...command, "--bogus-flag", "--root", root]);
      expect(r.code, command.join(" ")).toBe(2);
      expect(r.stderr, command.join(" ")).toMatch(
        /^ledger: Unknown argument: bogus-flag\nRun "ledger --help" for usage\.\n$/,
      );
    }
    // emit takes an event's fields as flags: an unknown one is a schema error naming the field.
    const emit = ledger([
      "emit",
      "--event-type",
      "run.started",
      "--run-id",
      "r",
      "--bogus-flag",
      "1",
      "--root",
      root,
    ]);
    expect(emit.code).toBe(1);
    expect(emit.stderr).toMatch(/bogus_flag/);
    const { existsSync } = await import("node:fs");
    expect(existsSync(`${root}/events`)).toBe(false);
  });
});
