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

/**
 * The steps of a round, as `onPhase` names them. A round runs them in this order, except that
 * the three databases apply and checkpoint at the same time (each phase is timed on its own).
 */
export type RoundPhase =
  | "list"
  | "attach"
  | "bookkeeping"
  | "checkpoints"
  | "read"
  | "stage"
  | `apply ${string}`
  | `commit ${string}`
  | "checkpoint"
  | "detach"
  | "publish"
  | "wait"
  | "debounce"
  | "health";

/** Runs `step`, reporting its wall-clock time as `phase` when there is someone to tell. */
export async function timed<T>(
  onPhase: ((phase: RoundPhase, ms: number) => void) | undefined,
  phase: RoundPhase,
  step: () => Promise<T> | T,
): Promise<T> {
  if (!onPhase) return step();
  const started = performance.now();
  try {
    return await step();
  } finally {
    onPhase(phase, performance.now() - started);
  }
}
