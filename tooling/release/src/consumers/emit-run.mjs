// A backtest's use of @ledger/writer, run from a project that installed the packed tarballs:
// one run with a JSON and a Parquet artifact, then the log read back. Prints one JSON line.
import { createEmitter, createRunDirectory, openWriter, readLog } from "@ledger/writer";

const root = process.argv[2];
const writer = await openWriter({ root });
const run = createEmitter(writer).run("packed-run");
await run.created("baseline", { window: 20 }, "fingerprint-1");
await run.started();
const dir = await createRunDirectory(writer, "packed-run");
await dir.writeJson("summary.json", { trials: 1 });
let parquet = "written";
try {
  await dir.writeParquet("trades.parquet", [{ ts: 1, px: 10.5 }]);
} catch (error) {
  parquet = error.code ?? String(error);
}
await run.completed({ trials: 1 }, ["summary.json"]);
await writer.close();
const types = [];
for await (const { event } of readLog({ root })) types.push(event.event_type);
console.log(JSON.stringify({ types, parquet }));
