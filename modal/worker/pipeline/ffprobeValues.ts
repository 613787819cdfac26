/** ffprobe's JSON output and the numbers it writes as strings ("12.345", "N/A"). */

/** The parsed JSON, or undefined when ffprobe wrote something else. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function finiteNumber(value: string | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && Number.isFinite(number) ? number : undefined;
}

export function positiveNumber(value: string | undefined): number | undefined {
  const number = finiteNumber(value);
  return number !== undefined && number > 0 ? number : undefined;
}
