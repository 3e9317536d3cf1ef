/** One contestant's figures in a suite; `null` where a figure does not apply. */
export interface Row {
  name: string;
  /** Higher is better (events/s). */
  rate: number;
  /** Lower is better (ms), optional. */
  p50?: number | null;
  p99?: number | null;
  note?: string;
}

const fmtRate = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
const fmtMs = (n: number | null | undefined) => (n == null ? "-" : n < 1 ? n.toFixed(3) : n.toFixed(2));

/**
 * Prints a suite's rows side by side. `ratio` is each row's rate against the reference row (the
 * ledger contestant), so "ledger is Nx faster" can be read straight off the table.
 */
export function printTable(title: string, unit: string, rows: Row[], reference: string): void {
  const ref = rows.find((r) => r.name === reference);
  const header = ["contestant", `${unit}`, "p50 ms", "p99 ms", `ratio vs ${reference}`, "note"];
  const body = rows.map((r) => [
    r.name,
    fmtRate(r.rate),
    fmtMs(r.p50),
    fmtMs(r.p99),
    ref ? `${(r.rate / ref.rate).toFixed(3)}x` : "-",
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(`\n## ${title}`);
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const b of body) console.log(line(b));
}
