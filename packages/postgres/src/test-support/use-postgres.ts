import { basename } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { type PostgresServer, postgresBin, startPostgres } from "./postgres-server.js";

/**
 * A `describe` whose tests get a PostgreSQL server of their own, started before and stopped
 * after them, with a fresh database per call of `database()`. Without PostgreSQL the tests are
 * skipped, except under CI (`CI=true`), where a missing server fails the run.
 */
export function describeWithPostgres(
  name: string,
  body: (pg: { server: () => PostgresServer; database: (label?: string) => Promise<string> }) => void,
): void {
  const available = postgresBin() !== undefined;
  if (!available && process.env.CI === "true") {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(
          "PostgreSQL 15 is not installed, and CI must run these tests (apt-get install postgresql-15)",
        );
      });
      body({ server: () => undefined as never, database: async () => "" });
    });
    return;
  }
  describe.skipIf(!available)(name, () => {
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
