/** Colour only on a terminal and never when NO_COLOR is set (https://no-color.org). */
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;

const paint = (code: number) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
export const dim = paint(2);
export const bold = paint(1);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);

export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** One JSON document per line: what `--json` prints, so output pipes into `jq` a row at a time. */
export function printJsonLines(rows: readonly unknown[]): void {
  for (const row of rows) out(JSON.stringify(row));
}

export function statusColour(status: string): string {
  if (status === "succeeded") return green(status);
  if (status === "failed" || status === "cancelled") return red(status);
  return yellow(status);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// The colour codes we add, stripped when measuring widths.
const ANSI = /\x1b\[[0-9;]*m/g;

/** A plain aligned table; `format` may colour a cell without breaking the alignment. */
export function printTable<T extends object>(
  rows: readonly T[],
  columns: readonly string[],
  format: Partial<Record<string, (value: unknown) => string>> = {},
): void {
  const cells = rows.map((row) => {
    const record = row as Record<string, unknown>;
    return columns.map((c) => format[c]?.(record[c]) ?? cell(record[c]));
  });
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((r) => (r[i] ?? "").replace(ANSI, "").length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v + " ".repeat(Math.max(0, (widths[i] ?? 0) - v.replace(ANSI, "").length)))
      .join("  ")
      .trimEnd();
  out(bold(line([...columns])));
  for (const r of cells) out(line(r));
}

/** `1.2 s`, `340 ms`, `2 min 5 s`. */
export function duration(ms: unknown): string {
  const n = Number(ms);
  if (ms === null || ms === undefined || !Number.isFinite(n)) return "-";
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(1)} s`;
  return `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
}
