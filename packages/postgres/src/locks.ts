/**
 * Advisory lock keys (`pg_advisory_xact_lock(int, int)`): the first is "ledg" in ASCII, so
 * ledger's locks stay clear of an application's own in a shared database.
 */
const LEDGER = 0x6c656467;

export const MIGRATION_LOCK = [LEDGER, 1] as const;
export const SYNC_LOCK = [LEDGER, 2] as const;
