/**
 * How a numeric setting (an environment variable) is read: a missing, blank, non-numeric, zero
 * or negative value falls back to the documented default instead of disabling the limit.
 */

export function positiveSetting(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A positive setting rounded down to a whole number, at least 1. */
export function wholeSetting(raw: string | undefined, fallback: number): number {
  return Math.max(1, Math.floor(positiveSetting(raw, fallback)));
}
