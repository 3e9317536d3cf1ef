import type { Outcome, Scale } from "./harness.js";
import { crashScenario } from "./scenarios/crash.js";
import { faultsScenario } from "./scenarios/faults.js";
import { fuzzScenario } from "./scenarios/fuzz.js";
import { jetstreamScenario } from "./scenarios/jetstream.js";
import { loadScenario } from "./scenarios/load.js";
import { postgresScenario } from "./scenarios/postgres.js";
import { readersScenario } from "./scenarios/readers.js";
import { securityScenario } from "./scenarios/security.js";

/** `pnpm test:reliability` (CI scale) or `pnpm soak` (longer); `--only name,...` picks scenarios. */
const soak = process.argv.includes("--soak");
const onlyFlag = process.argv.indexOf("--only");
const only = onlyFlag >= 0 ? new Set(process.argv[onlyFlag + 1]?.split(",")) : undefined;
const scale: Scale = soak
  ? { soak, kills: 1000, publications: 1000, loadSeconds: 600 }
  : { soak, kills: 200, publications: 120, loadSeconds: 20 };

const scenarios: [string, (s: Scale) => Promise<Outcome>][] = [
  ["crash", crashScenario],
  ["readers", readersScenario],
  ["faults", faultsScenario],
  ["fuzz", fuzzScenario],
  ["security", securityScenario],
  ["load", loadScenario],
  ["jetstream", jetstreamScenario],
  ["postgres", postgresScenario],
];

console.log(`ledger reliability (${soak ? "soak" : "ci"} scale)`);
let failed = 0;
let passed = 0;
for (const [name, run] of scenarios) {
  if (only && !only.has(name)) continue;
  const started = Date.now();
  try {
    const outcome = await run(scale);
    if (outcome.ok) passed++;
    else failed++;
    console.log(
      `${outcome.ok ? "PASS" : "FAIL"} ${name}: ${outcome.line} [${((Date.now() - started) / 1000).toFixed(0)} s]`,
    );
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: threw ${(error as Error).stack ?? error}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
