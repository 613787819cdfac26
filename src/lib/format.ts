/** Human-readable sizes, durations and times for the UI. Pure. */

const BYTE_UNITS = ["kB", "MB", "GB", "TB"] as const;

/** Decimal (SI) units, as file managers show them: `999 B`, `1.2 kB`, `34 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  if (Math.round(bytes) < 1000) return `${Math.round(bytes)} B`;
  let unitIndex = 0;
  let value = bytes / 1000;
  // Step up while the shown number would read 1000 or more ("1000 kB" is "1.0 MB").
  while (unitIndex < BYTE_UNITS.length - 1 && roundForDisplay(value) >= 1000) {
    value /= 1000;
    unitIndex++;
  }
  const shown = roundForDisplay(value);
  return `${shown < 10 ? shown.toFixed(1) : String(shown)} ${BYTE_UNITS[unitIndex]}`;
}

/** One decimal below 10 (so 1.2 MB and 1.8 MB differ), whole numbers from there on. */
function roundForDisplay(value: number): number {
  return value < 9.95 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** `m:ss`, or `h:mm:ss` from an hour, rounded to the nearest second. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const ss = String(secs).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${ss}` : `${minutes}:${ss}`;
}

/** `1280 × 720` */
export function formatDimensions(width: number, height: number): string {
  return `${width} × ${height}`;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateAndTimeWithSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/**
 * A step's time: the clock time to the second, and the date too when it is not today (an
 * upload resumed the next day, a job looked at a week later).
 */
export function formatStepTime(at: number, now: number = Date.now()): string {
  const day = (ms: number) => new Date(ms).toDateString();
  return day(at) === day(now) ? timeOfDay.format(at) : dateAndTimeWithSeconds.format(at);
}

/** When a job was started, for lists. */
export function formatDateTime(at: number): string {
  return dateAndTime.format(at);
}

/** An audit-log time: date and time to the second. */
export function formatDateTimeWithSeconds(at: number): string {
  return dateAndTimeWithSeconds.format(at);
}
