import cliProgress from "cli-progress";

/** What a bar counts: bytes are shown as MB, anything else as whole counts with its name. */
export type ProgressUnit = "bytes" | "runs" | "files";

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on `stream` (stderr), only when it is a terminal: piped output stays clean. */
export function progressBar(
  label: string,
  unit: ProgressUnit = "bytes",
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): ProgressBar {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bytes = unit === "bytes";
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${bytes ? "MB" : unit}`,
      formatValue: (value, options, type) =>
        bytes && (type === "value" || type === "total")
          ? (value / 1e6).toFixed(1)
          : cliProgress.Format.ValueFormat(value, options, type),
      stream,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(Math.max(1, total), 0);
        started = true;
      }
      bar.setTotal(Math.max(1, total));
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
