import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { EventCatalogue } from "./catalogue.js";
import { defaultCatalogue } from "./validate.js";

/**
 * The whole catalogue as one JSON Schema document: `definitions` holds each type at each version
 * (`run.created@1`), the root accepts any of them, and `x-ledger` records what JSON Schema cannot
 * say (scope, latest version, truncatable and ephemeral types).
 */
export function catalogueJsonSchema(catalogue: EventCatalogue = defaultCatalogue()): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const meta: Record<string, unknown> = {};
  for (const d of catalogue.definitions()) {
    definitions[`${d.type}@${d.version}`] = d.schema;
    meta[d.type] = {
      latest_version: catalogue.latestVersion(d.type),
      scope: d.scope,
      truncatable: [...d.truncatable],
      ephemeral: d.ephemeral,
    };
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "ledger:events/_schema.json",
    title: "ledger event catalogue",
    anyOf: Object.keys(definitions)
      .sort()
      .map((key) => ({ $ref: `#/definitions/${key}` })),
    definitions,
    "x-ledger": meta,
  };
}

/** Key-sorted, two-space JSON with a final newline: the same catalogue always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** Writes `events/_schema.json` atomically (temp file + rename) so readers never see half a file. */
export async function writeCatalogueSchema(
  file: string,
  catalogue: EventCatalogue = defaultCatalogue(),
): Promise<string> {
  const text = canonicalJson(catalogueJsonSchema(catalogue));
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, file);
  return text;
}
