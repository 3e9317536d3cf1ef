// A long-lived job writing one run through @ledger/writer: `count` trials, a few milliseconds
// apart, so that other processes append to the same run in between. Prints how many it wrote.
import { openWriter } from "@ledger/writer";

const [root, runId, tag, count] = process.argv.slice(2) as [string, string, string, string];
const writer = await openWriter({ root });
for (let i = 0; i < Number(count); i++) {
  await writer.append({
    event_type: "trial.recorded",
    run_id: runId,
    trial_id: `${tag}-${i}`,
    params: { i },
    metrics: { score: i },
  });
  await new Promise((r) => setTimeout(r, Math.random() * 6));
}
await writer.close();
process.stdout.write(`${count}\n`);
