/**
 * Checks on what the browser sends, before anything is written or signed. Each refusal is the
 * `ConvexError` the user sees. Pure.
 */
import { appError } from "../lib/appErrors";
import { isCrc32cChecksum } from "../lib/crc32c";
import { MAX_PARTS_PER_URL_REQUEST } from "../lib/partPlan";
import type { FileToUpload, PartUrlRequest } from "../lib/uploadValidators";

/** RFC 6838 restricted names under `video/`; no parameters. */
const VIDEO_MIME_TYPE = /^video\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** S3 part ETags are quoted hex digests; this also keeps anything odd out of the completion XML. */
const PART_ETAG = /^"?[0-9A-Za-z-]{1,128}"?$/;
const MAX_FILE_NAME_LENGTH = 1024;

/** The file as it will be stored: MIME type lower-cased, fingerprint checked. */
export function checkFileToUpload(file: FileToUpload, maxUploadBytes: number): FileToUpload {
  if (!Number.isSafeInteger(file.size) || file.size < 0) {
    throw appError("invalid_argument", "The file size must be a whole number of bytes.");
  }
  if (file.size === 0) throw appError("file_empty", "The selected file is empty.");
  if (file.size > maxUploadBytes) {
    throw appError("file_too_large", `The file is larger than the ${formatBytes(maxUploadBytes)} limit.`, {
      maxBytes: maxUploadBytes,
    });
  }
  const type = file.type.trim().toLowerCase();
  if (!VIDEO_MIME_TYPE.test(type)) {
    throw appError("not_a_video_type", "The selected file is not a video. Choose a video file.", {
      type: file.type.slice(0, 100),
    });
  }
  if (file.name.length === 0 || file.name.length > MAX_FILE_NAME_LENGTH) {
    throw appError("invalid_argument", `The file name must be 1 to ${MAX_FILE_NAME_LENGTH} characters long.`);
  }
  if (!Number.isFinite(file.lastModified) || file.lastModified < 0) {
    throw appError("invalid_argument", "The file's modification time is not valid.");
  }
  if (file.firstPartCrc32c !== undefined) checkCrc32c(file.firstPartCrc32c, "the first part's fingerprint");
  return { ...file, type };
}

/** A bounded batch of distinct parts, each with a well-formed CRC32C when it has one. */
export function checkPartUrlRequests(parts: PartUrlRequest[]): void {
  if (parts.length === 0 || parts.length > MAX_PARTS_PER_URL_REQUEST) {
    throw appError("invalid_argument", `Ask for 1 to ${MAX_PARTS_PER_URL_REQUEST} part URLs at a time.`, {
      maxParts: MAX_PARTS_PER_URL_REQUEST,
    });
  }
  const seen = new Set<number>();
  for (const { partNumber, checksumCrc32c } of parts) {
    if (seen.has(partNumber)) {
      throw appError("invalid_argument", `Part ${partNumber} was asked for twice.`, { partNumber });
    }
    seen.add(partNumber);
    if (checksumCrc32c !== undefined) checkCrc32c(checksumCrc32c, `part ${partNumber}`, partNumber);
  }
}

/** S3's `x-amz-checksum-crc32c` form exactly: base64 of 4 bytes (8 characters ending in `==`). */
export function checkCrc32c(value: string, what: string, partNumber?: number): string {
  if (!isCrc32cChecksum(value)) {
    throw appError("invalid_checksum", `The CRC32C of ${what} is not a base64 CRC32C (8 characters ending in ==).`, {
      ...(partNumber === undefined ? {} : { partNumber }),
    });
  }
  return value;
}

export function checkPartEtag(etag: string): string {
  if (!PART_ETAG.test(etag)) throw appError("invalid_argument", "That is not an ETag storage returns for a part.");
  return etag;
}

function formatBytes(bytes: number): string {
  const GiB = 1024 ** 3;
  const MiB = 1024 ** 2;
  if (bytes >= GiB) return `${+(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}
