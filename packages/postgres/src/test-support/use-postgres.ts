import { basename } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { type PostgresServer, postgresForTests, startPostgres } from "./postgres-server.js";

/**
 * A `describe` whose tests share a PostgreSQL server of their own, started before and stopped
 * after them, with a fresh database per call of `database()`. Skipped without PostgreSQL, except
 * under CI (see `postgresForTests`).
 */
export function describeWithPostgres(
  name: string,
  body: (pg: { server: () => PostgresServer; database: (label?: string) => Promise<string> }) => void,
): void {
  describe.skipIf(!postgresForTests())(name, () => {
    let server: PostgresServer | undefined;
    let count = 0;
    beforeAll(async () => {
      server = await startPostgres();
    }, 120_000);
    afterAll(() => server?.stop());
    body({
      server: () => server!,
      database: (label = basename(name).replace(/\W+/g, "_").slice(0, 30)) =>
        server!.createDatabase(`${label}_${++count}`),
    });
  });
}
