import type { CommandModule } from "yargs";
import { daemonCommand } from "./daemon.js";
import { demoCommand } from "./demo.js";
import { doctorCommand } from "./doctor.js";
import { emitCommand } from "./emit.js";
import { eventsCommand } from "./events.js";
import { jetstreamCommand } from "./jetstream/index.js";
import { legacyCommand } from "./legacy/index.js";
import { pgSyncCommand } from "./pg-sync.js";
import { queryCommand } from "./query.js";
import { rebuildIndexCommand } from "./rebuild-index.js";
import { retentionCommand } from "./retention.js";
import { runCommand } from "./run.js";
import { runsCommand } from "./runs.js";
import { serveCommand } from "./serve.js";
import { sinkCommand } from "./sink.js";

/**
 * Every `ledger` command, one module per file. Modules only declare flags; their handlers import
 * the packages they need on demand, so `ledger --help` never loads the writer or DuckDB.
 */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [
  demoCommand,
  emitCommand,
  eventsCommand,
  runsCommand,
  runCommand,
  queryCommand,
  rebuildIndexCommand,
  daemonCommand,
  pgSyncCommand,
  serveCommand,
  doctorCommand,
  legacyCommand,
  jetstreamCommand,
  sinkCommand,
  retentionCommand,
];
