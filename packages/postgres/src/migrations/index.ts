import { TABLES } from "./0001-tables.js";
import { PROJECTION_COLUMN } from "./0002-projection.js";

/** One step of the schema; `version`s count up from 1 without gaps and never change once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "tables", sql: TABLES },
  { version: 2, name: "projection", sql: PROJECTION_COLUMN },
];
