/**
 * What the mirrored rows were derived by (see `projection.ts`). Null in a mirror made before this
 * column existed, which therefore differs from any projection and is rebuilt by its next sync.
 */
export const PROJECTION_COLUMN = `
ALTER TABLE ledger_sync_state ADD COLUMN projection text;
`;
