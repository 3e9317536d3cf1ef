import cliProgress from "cli-progress";

/** A progress bar on stderr, only when stderr is a terminal: piped output stays clean. */
export function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} MB`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      const mb = (n: number) => Math.round(n / 1e6);
      if (!started) {
        bar.start(Math.max(1, mb(total)), 0);
        started = true;
      }
      bar.setTotal(Math.max(1, mb(total)));
      bar.update(mb(done));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
