import { LedgerError } from "@ledger/schema";

/** A problem with what the user asked for (bad input, missing run): exit 1. */
export class UserError extends LedgerError {}
