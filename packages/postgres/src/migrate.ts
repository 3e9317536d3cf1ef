import type pg from "pg";
import { PostgresMigrationError } from "./errors.js";
import { MIGRATION_LOCK } from "./locks.js";
import { MIGRATIONS, type Migration } from "./migrations/index.js";

/**
 * Brings the database's tables to the newest version, in one transaction under an advisory lock:
 * several processes starting at once apply each migration once, and a failure leaves the tables
 * as they were. Returns the versions applied (empty when already current).
 */
export async function migrate(
  client: pg.ClientBase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [...MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS ledger_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM ledger_migrations",
    );
    const current = rows[0]?.version ?? 0;
    const newest = migrations.at(-1)?.version ?? 0;
    if (current > newest) {
      throw new PostgresMigrationError(
        `the database's ledger tables are at version ${current}, newer than this ledger knows (${newest})`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO ledger_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    if (error instanceof PostgresMigrationError) throw error;
    throw new PostgresMigrationError(`migrating the ledger tables failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
