// Opens the published index through `IndexReader`, runs one query, prints "queried" and then
// sits idle until killed, as a dashboard's server between two requests.
import { openIndexReader } from "../index.js";

const [root] = process.argv.slice(2) as [string];
const reader = openIndexReader({ root });
await reader.query("SELECT count(*) FROM runs_status");
process.stdout.write("queried\n");
setInterval(() => {}, 60_000);
