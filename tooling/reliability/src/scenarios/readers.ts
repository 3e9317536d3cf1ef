import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openIndexer } from "@ledger/indexer";
import { openWriter } from "@ledger/writer";
import { child, type Outcome, type Scale, sleep, tempDir } from "../harness.js";

const READER = "packages/indexer/src/test-support/reader-child.ts";

/** A reader process queries in a loop while the indexer publishes again and again. */
export async function readersScenario(scale: Scale): Promise<Outcome> {
  const dir = tempDir("readers");
  const root = dir.path;
  try {
    const writer = await openWriter({ root, durability: "batch" });
    const indexer = await openIndexer({ root });
    const trial = (run: string, i: number) => ({
      event_type: "trial.recorded",
      run_id: run,
      trial_id: `t${i}`,
      params: {},
      metrics: { x: i },
    });
    await writer.appendMany(Array.from({ length: 50 }, (_, i) => trial("seed", i)));
    await writer.flush();
    await indexer.update();
    const reader = child(READER, [root]);
    await sleep(500); // let the reader start querying before the publications begin
    let publications = 0;
    for (let i = 0; i < scale.publications; i++) {
      await writer.appendMany(Array.from({ length: 20 }, (_, k) => trial(`run-${i}`, k)));
      await writer.flush();
      if ((await indexer.update()).published) publications++;
    }
    writeFileSync(join(root, "stop"), "");
    await reader.exited;
    await writer.close();
    await indexer.close();
    const seen = JSON.parse(reader.lines.at(-1) ?? "{}") as {
      queries: number;
      lockErrors: number;
      partial: number;
      errors: string[];
    };
    const ok =
      seen.lockErrors === 0 &&
      seen.partial === 0 &&
      (seen.errors?.length ?? 1) === 0 &&
      publications >= scale.publications;
    return {
      scenario: "readers",
      ok,
      line: `${publications} publications, ${seen.queries} reader queries: lock errors ${seen.lockErrors}, partial reads ${seen.partial}, other errors ${seen.errors?.length}`,
      figures: { publications, queries: seen.queries, lockErrors: seen.lockErrors, partial: seen.partial },
    };
  } finally {
    dir.rm();
  }
}
