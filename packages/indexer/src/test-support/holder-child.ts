// Opens one database file read-only, as a user's own DuckDB session would, prints "open", and
// keeps it open until killed: the indexer must then leave that file alone.
import { DuckDBInstance } from "@duckdb/node-api";

const [path] = process.argv.slice(2) as [string];
const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
await (await instance.connect()).run("SELECT 1");
process.stdout.write("open\n");
setInterval(() => {}, 60_000);
