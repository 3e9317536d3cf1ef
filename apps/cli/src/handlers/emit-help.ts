import { defaultCatalogue, eventFields } from "@ledger/schema";

/**
 * The event types `emit` takes and each one's flags, from the catalogue: the help follows the
 * schemas as they change. A flag is the field's name in kebab case.
 */
export function emitTypesHelp(): string {
  const catalogue = defaultCatalogue();
  const lines = ["Event types and their fields as flags ([...] optional; objects and arrays as JSON):"];
  for (const type of catalogue.types()) {
    const definition = catalogue.get(type);
    if (!definition || definition.ephemeral) continue;
    const flags = eventFields(definition).map((f) => {
      // One word per flag, so the help's wrapping never parts a flag from its type.
      const flag = `--${f.name.replaceAll("_", "-")}=<${f.type}>`;
      return f.required ? flag : `[${flag}]`;
    });
    if (definition.scope === "run") flags.unshift("--run-id=<id>");
    lines.push(`  ${type} v${definition.version}`, `      ${flags.join(" ") || "(no fields)"}`);
  }
  return lines.join("\n");
}
