// The daemon as `ledger daemon` runs it, with each round's steps timed (the indexer's `onPhase`).
// Stops on SIGTERM, then prints one JSON line: every round that published, with its events, its
// wall time from start to the start of the next round, and the ms of each step.
// Plain JavaScript on the built packages, as users run them.
import { runDaemon } from "@ledger/indexer";

const [root] = process.argv.slice(2);
const controller = new AbortController();
process.once("SIGTERM", () => controller.abort());
// A round starts with the first step after the previous one wrote the health file or waited.
const BETWEEN = new Set(["health", "wait", "debounce"]);
const rounds = [];
let round;
let last = "wait";
await runDaemon({
  root,
  signal: controller.signal,
  onPhase: (phase, ms) => {
    if (BETWEEN.has(last) && !BETWEEN.has(phase)) {
      if (round) round.cycleMs = performance.now() - round.startedMs;
      round = { startedMs: performance.now(), events: 0, published: false, phases: {} };
      rounds.push(round);
    }
    last = phase;
    round.phases[phase] = (round.phases[phase] ?? 0) + ms;
  },
  onRound: (report) => {
    if (!report) return;
    round.events = report.events;
    round.published = report.published;
    round.roundMs = report.durationMs;
  },
});
const published = rounds.filter((r) => r.published && r.cycleMs !== undefined);
process.stdout.write(`${JSON.stringify(published)}\n`);
