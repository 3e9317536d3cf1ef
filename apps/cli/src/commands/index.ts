import type { CommandModule } from "yargs";

/**
 * Every `ledger` command, one module per file. Modules only declare flags; their handlers import
 * the packages they need on demand, so `ledger --help` never loads the writer or DuckDB.
 */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [];
