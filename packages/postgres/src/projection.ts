import { createHash } from "node:crypto";
import { coreProjections } from "@ledger/indexer";

/**
 * Bump when a mirrored column is derived differently from the index's rows (`write-rows.ts`), or
 * a table's meaning changes without a migration that rewrites it.
 */
const ROWS_VERSION = 2;

/**
 * What the mirrored rows are derived by: this package's mapping of the index's rows, and the SQL
 * of the index's own projections, which decide status, times and counts. The checkpoint only
 * says which log bytes the rows cover, not how they were computed: a sync that finds another
 * projection stored rebuilds the whole mirror from the index instead of resuming.
 */
export const PROJECTION = `${ROWS_VERSION}:${createHash("sha256")
  .update(
    JSON.stringify(
      coreProjections
        .filter((p) => (p.database ?? "runs") !== "alerts")
        .map((p) => [p.name, p.database ?? "runs", p.eventTypes, p.setup, p.apply]),
    ),
  )
  .digest("hex")
  .slice(0, 16)}`;
