import { UsageError } from "../errors.js";

const RELATIVE = /^(\d+)\s*(s|m|h|d|w)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `--since 1h` (s, m, h, d, w) or an ISO time, as epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const relative = RELATIVE.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--since "${value}" is neither a duration like 1h or 7d nor an ISO time`);
  }
  return ms;
}

/** `7d` style durations for retention, in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const match = RELATIVE.exec(value.trim());
  if (!match) throw new UsageError(`${flag} "${value}" must look like 30m, 12h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
