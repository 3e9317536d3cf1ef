/**
 * Option settings for a whole-number flag within `min`..`max`. yargs turns what the coerce throws
 * into a usage error (exit 2), so `--port abc` or `--port 99999` is refused before a handler
 * runs; without `requiresArg` a bare `--port` would silently take the default.
 */
export function wholeNumber(flag: string, min: number, max: number) {
  return {
    type: "number" as const,
    requiresArg: true,
    coerce: (value: unknown): number => {
      if (Array.isArray(value)) throw new Error(`--${flag} given more than once`);
      if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
      const got = typeof value === "number" && Number.isFinite(value) ? `, got ${value}` : "";
      throw new Error(`--${flag} must be a whole number from ${min} to ${max}${got}`);
    },
  };
}

/** Option settings for a UTC day flag, `YYYY-MM-DD`, refused as a usage error otherwise. */
export function utcDayFlag(flag: string) {
  return {
    type: "string" as const,
    requiresArg: true,
    coerce: (value: unknown): string => {
      const day = String(value);
      const ms = /^\d{4}-\d\d-\d\d$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : Number.NaN;
      // Date.parse takes 2026-02-30 as 2 March: the day must come back as it was written.
      if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
        throw new Error(`--${flag} must be a day as YYYY-MM-DD, got "${day.slice(0, 40)}"`);
      return day;
    },
  };
}
