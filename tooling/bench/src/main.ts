import { cliSuite } from "./suites/cli.js";
import { daemonSuite } from "./suites/daemon.js";
import { indexerSuite } from "./suites/indexer.js";
import { jetstreamSuite } from "./suites/jetstream.js";
import { legacySuite } from "./suites/legacy.js";
import { pageSuite } from "./suites/page.js";
import { postgresSuite } from "./suites/postgres.js";
import { validateSuite } from "./suites/validate.js";
import { writerSuite } from "./suites/writer.js";

/** `pnpm bench [suite ...] [--runs N]`: every suite when none is named. */
const suites: Record<string, (runs: number) => Promise<void>> = {
  validate: validateSuite,
  writer: writerSuite,
  indexer: indexerSuite,
  daemon: daemonSuite,
  legacy: legacySuite,
  jetstream: jetstreamSuite,
  postgres: postgresSuite,
  cli: cliSuite,
  page: pageSuite,
};

const args = process.argv.slice(2);
const runsFlag = args.indexOf("--runs");
const runs = runsFlag >= 0 ? Number(args[runsFlag + 1]) : 5;
const named = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs");
const unknown = named.filter((n) => !(n in suites));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; known: ${Object.keys(suites).join(", ")}`);
  process.exit(2);
}
console.log(`ledger benchmarks: node ${process.version}, ${runs} runs per figure (medians)`);
for (const name of named.length > 0 ? named : Object.keys(suites)) await suites[name]!(runs);
