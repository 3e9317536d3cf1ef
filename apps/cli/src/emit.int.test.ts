import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ledger, tempRoot } from "./test-support/cli.js";

describe("ledger emit", () => {
  it("--help lists every event type of the catalogue with the flags it takes", async () => {
    const { defaultCatalogue, eventFields } = await import("@ledger/schema");
    const help = ledger(["emit", "--help"]);
    expect(help.code).toBe(0);
    const catalogue = defaultCatalogue();
    for (const type of catalogue.types()) {
      const definition = catalogue.get(type);
      if (!definition) continue;
      const block = new RegExp(
        `^  ${type.replace(".", "\\.")} v${definition.version}\n((?:      .*\n)+)`,
        "m",
      ).exec(help.stdout);
      expect(block, type).not.toBeNull();
      const flags = block?.[1] ?? "";
      for (const field of eventFields(definition)) {
        const flag = `--${field.name.replaceAll("_", "-")}=<${field.type}>`;
        expect(flags, type).toContain(field.required ? ` ${flag}` : `[${flag}]`);
      }
    }
    expect(help.stdout).toMatch(/--status=<succeeded\|failed\|cancelled>/);
  });

  it("names every missing field in a schema error", () => {
    const r = ledger(["emit", "--event-type", "run.created", "--run-id", "r", "--root", tempRoot()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "ledger: run.created v1: missing run_type, config, data_fingerprint [LEDGER_SCHEMA_INVALID]\n",
    );
  });

  it("cuts a truncatable field over the line limit with a marker, and refuses any other oversized event", () => {
    const root = tempRoot();
    const output_summary = { blob: "x".repeat(2_000_000) };
    const big = { event_type: "phase.completed", run_id: "r", phase: "load", duration_ms: 5, output_summary };
    const emitted = ledger(["emit", "--root", root], { input: `${JSON.stringify(big)}\n` });
    expect(emitted.stderr).toBe("");
    expect(emitted.code).toBe(0);
    const [stored] = ledger(["events", "--json", "--root", root])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(stored.output_summary).toMatchObject({ _truncated: true, original_bytes: 2_000_011 });

    const other = tempRoot();
    const params = { blob: "x".repeat(2_000_000) };
    const trial = { event_type: "trial.recorded", run_id: "r", trial_id: "t", params, metrics: {} };
    const batch = `${JSON.stringify({ event_type: "run.started", run_id: "r" })}\n${JSON.stringify(trial)}\n`;
    const refused = ledger(["emit", "--root", other], { input: batch });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ledger: line 2: trial\.recorded event is \d+ bytes .*\[LEDGER_LINE_TOO_LARGE\]\n$/,
    );
    expect(existsSync(`${other}/events`)).toBe(false);
  });
});
