// Opens one published database read-write, as `duckdb index/runs.duckdb` without -readonly
// does, writes to it so DuckDB keeps a WAL beside it, prints "open" and waits to be killed.
import { DuckDBInstance } from "@duckdb/node-api";

const [path] = process.argv.slice(2) as [string];
const instance = await DuckDBInstance.create(path);
await (await instance.connect()).run("CREATE TABLE scribble AS SELECT 1 AS x");
process.stdout.write("open\n");
setInterval(() => {}, 60_000);
