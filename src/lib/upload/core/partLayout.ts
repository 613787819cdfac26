/**
 * Part boundaries, computed only from the server's `partSize`: part n covers
 * [(n - 1) * partSize, min(n * partSize, size)).
 */
import type { PartPlan } from "./uploadBackend";

/** R2 and S3 accept at most this many parts. */
const MAX_PARTS = 10_000;

export function partByteRange(partNumber: number, partSize: number, fileSize: number): { start: number; end: number } {
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(start + partSize, fileSize) };
}

/** The part's bytes as a slice of the file (read lazily, never copied). */
export function partSlice(file: Blob, partNumber: number, partSize: number): Blob {
  const { start, end } = partByteRange(partNumber, partSize, file.size);
  return file.slice(start, end);
}

/** Why a plan cannot describe a file of `fileSize` bytes, or null when it can. */
export function describePlanProblem(plan: PartPlan, fileSize: number): string | null {
  if (!Number.isSafeInteger(plan.partSize) || plan.partSize <= 0) {
    return `part size ${plan.partSize} is not a positive whole number of bytes`;
  }
  const expectedCount = Math.max(1, Math.ceil(fileSize / plan.partSize));
  if (plan.partCount !== expectedCount) {
    return `${plan.partCount} parts of ${plan.partSize} bytes cannot cover ${fileSize} bytes (expected ${expectedCount})`;
  }
  if (plan.partCount > MAX_PARTS) return `${plan.partCount} parts exceed the storage limit of ${MAX_PARTS}`;
  return null;
}
