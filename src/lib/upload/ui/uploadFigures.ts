/** Progress figures as the upload panel shows them; sizes in the units the rest of the UI uses. */
import { formatBytes } from "../../format";

/** `12 MB/s`; an unknown or zero speed reads as a dash. */
export function formatSpeed(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : "—";
}

/** `8 s left`, `4 min left`, `1 h 5 min left`; unknown reads as a dash. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "—";
  const whole = Math.ceil(seconds);
  // Every byte is sent; what remains is storage's confirmations and the file's checksum.
  if (whole === 0) return "finishing";
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
