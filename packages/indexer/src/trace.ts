import type { DuckDBConnection } from "@duckdb/node-api";

/** Reports each statement's duration, for `--verbose` and profiling. */
export function traceConnection(
  connection: DuckDBConnection,
  trace: (sql: string, ms: number) => void,
): void {
  for (const method of ["run", "runAndReadAll"] as const) {
    const original = connection[method].bind(connection) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(connection, {
      [method]: async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await original(...args);
        } finally {
          trace(String(args[0]).replace(/\s+/g, " ").trim(), performance.now() - started);
        }
      },
    });
  }
}
