/**
 * Multipart part sizing. Pure: Convex decides the plan and stores it; the browser only ever
 * recomputes part boundaries from the stored `partSize`.
 *
 * R2's rules: every part but the last has the same size, parts are 5 MiB–5 GiB (the last may be
 * smaller), and an upload has at most 10,000 parts.
 */
export const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
/** The largest file a plan can describe: 10,000 parts of 5 GiB. */
export const MAX_PLANNABLE_BYTES = MAX_PARTS * MAX_PART_SIZE;
/**
 * Small enough that a retried or resumed part costs little, large enough that the default
 * 20 GiB limit needs only 2,560 parts.
 */
export const PREFERRED_PART_SIZE = 8 * MiB;
/** The most part URLs one `getUploadPartUrls` call signs (and `prepareUpload` returns). */
export const MAX_PARTS_PER_URL_REQUEST = 100;

export type PartPlan = { partSize: number; partCount: number };

/** A part's bytes: `[start, end)`, as `Blob.slice(start, end)` takes them. */
export type PartRange = { start: number; end: number; size: number };

/**
 * The plan for a file of `fileSize` bytes: 8 MiB parts, or the smallest whole number of MiB
 * that keeps the file within 10,000 parts. A file smaller than one part is a single part.
 */
export function computePartPlan(fileSize: number): PartPlan {
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0) {
    throw new RangeError(`A part plan needs a positive whole number of bytes, not ${fileSize}.`);
  }
  if (fileSize > MAX_PLANNABLE_BYTES) {
    throw new RangeError(`${fileSize} bytes do not fit in ${MAX_PARTS} parts of at most ${MAX_PART_SIZE} bytes.`);
  }
  const smallestFittingPartSize = Math.ceil(fileSize / (MAX_PARTS * MiB)) * MiB;
  const partSize = Math.max(PREFERRED_PART_SIZE, smallestFittingPartSize);
  return { partSize, partCount: Math.ceil(fileSize / partSize) };
}

export function isPartNumberInPlan(plan: PartPlan, partNumber: number): boolean {
  return Number.isInteger(partNumber) && partNumber >= 1 && partNumber <= plan.partCount;
}

/** Where part `partNumber` (1-based) lies: every part is `partSize` bytes but the last. */
export function partRange(plan: PartPlan, fileSize: number, partNumber: number): PartRange {
  if (!isPartNumberInPlan(plan, partNumber)) {
    throw new RangeError(`Part ${partNumber} is not in a plan of ${plan.partCount} parts.`);
  }
  const start = (partNumber - 1) * plan.partSize;
  const end = Math.min(start + plan.partSize, fileSize);
  return { start, end, size: end - start };
}
