import { TABLES } from "./0001-tables.js";

/** One step of the schema; `version`s count up from 1 without gaps and never change once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: "tables", sql: TABLES }];
