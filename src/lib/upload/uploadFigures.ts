/**
 * Progress figures as the upload panel shows them. Fixed decimals keep each figure's width
 * steady while it changes (the panel also uses tabular numerals).
 */

const UNITS = ["KiB", "MiB", "GiB", "TiB"] as const;

/** `512 B`, `1.5 KiB`, `200.0 MiB`: binary units, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(Number.isFinite(bytes) ? bytes : 0))} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // 1023.96 would print as "1024.0 KiB"; say "1.0 MiB" instead.
  if (value.toFixed(1) === "1024.0" && unit < UNITS.length - 1) {
    value = 1;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `12.3 MiB/s`; an unknown or zero speed reads as a dash. */
export function formatSpeed(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : "–";
}

/** `8 s left`, `4 min left`, `1 h 5 min left`; unknown reads as a dash. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s left`;
  const minutes = Math.ceil(whole / 60);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h left` : `${hours} h ${rest} min left`;
}

/** Whole percent for the progress bar; 100 only when the upload is done. */
export function progressPercent(percent: number, done: boolean): number {
  if (done) return 100;
  return Math.min(99, Math.max(0, Math.floor(percent)));
}
