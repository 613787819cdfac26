"use node";
/**
 * The storage side of a multipart upload: R2 in production, the embedded S3 server in dev and
 * tests. Called only from the Node actions in `uploadStorage.ts` (see there for why Node).
 *
 * Every failure becomes a `storage_error` with a sentence a person understands. Logs carry the
 * S3 error's name and HTTP status only — never a URL, a key or a credential.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ConvexError } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { appError, type AppErrorData } from "../lib/appErrors";
import { createS3Client } from "./s3Client";
import { requireStorageConfig } from "./uploadConfig";
import type { MultipartTarget, PartToSign, SignedPartUrl } from "../lib/uploadValidators";

export type SourceStorage = { client: S3Client; bucket: string };

export function openSourceStorage(): SourceStorage {
  const config = requireStorageConfig();
  return { client: createS3Client(config), bucket: config.bucket };
}

/** Chosen by the server alone: nothing the browser sends (such as the file name) reaches the key. */
export function sourceObjectKey(jobId: Id<"video_jobs">): string {
  return `sources/${jobId}/source`;
}

/**
 * Starts a multipart upload and returns its upload id. CRC32C is its checksum algorithm: each
 * part's URL signs the part's CRC32C, and completion passes them back, as S3 expects (R2
 * supports CRC32C multipart checksums, composite of the parts').
 */
export async function createMultipartUpload(storage: SourceStorage, key: string, contentType: string): Promise<string> {
  let uploadId: string | undefined;
  try {
    ({ UploadId: uploadId } = await storage.client.send(
      new CreateMultipartUploadCommand({ Bucket: storage.bucket, Key: key, ContentType: contentType, ChecksumAlgorithm: "CRC32C" }),
    ));
  } catch (error) {
    throw storageFailure("CreateMultipartUpload", error, "Storage could not start the upload. Try again in a moment.");
  }
  if (!uploadId) {
    throw storageFailure(
      "CreateMultipartUpload",
      { name: "MissingUploadId" },
      "Storage could not start the upload. Try again in a moment.",
    );
  }
  return uploadId;
}

/** The header a part's CRC32C travels in; signed, never hoisted into the query string. */
export const CRC32C_HEADER = "x-amz-checksum-crc32c";

/**
 * Presigned UploadPart URLs, all signed at `now`. A part's planned size is signed as its
 * Content-Length, so a URL takes exactly that many bytes and not a byte more (without it, any
 * URL of a declared 20 GiB file would take a 5 GiB part). A part's CRC32C, when given, is a
 * signed header too (`unhoistableHeaders`: the presigner would otherwise move it into the query
 * string, where S3 ignores checksums): a PUT with another value fails the signature check (403),
 * and storage refuses a body whose CRC32C differs from it (400 BadDigest).
 */
export async function signPartUploadUrls(
  storage: SourceStorage,
  target: MultipartTarget,
  parts: readonly PartToSign[],
  ttlSeconds: number,
  now: number,
): Promise<SignedPartUrl[]> {
  // SigV4 dates have whole seconds; a URL's lifetime starts at the signing second.
  const signedAt = Math.floor(now / 1000) * 1000;
  const expiresAt = signedAt + ttlSeconds * 1000;
  const expiresInMs = expiresAt - now;
  return await Promise.all(
    parts.map(async ({ partNumber, size, checksumCrc32c }) => {
      const command = new UploadPartCommand({
        Bucket: storage.bucket,
        Key: target.key,
        UploadId: target.uploadId,
        PartNumber: partNumber,
        ContentLength: size,
        ChecksumCRC32C: checksumCrc32c,
      });
      const url = await getSignedUrl(storage.client, command, {
        expiresIn: ttlSeconds,
        signingDate: new Date(signedAt),
        unhoistableHeaders: new Set([CRC32C_HEADER]),
      });
      return checksumCrc32c === undefined
        ? { partNumber, url, expiresInMs, expiresAt }
        : { partNumber, url, expiresInMs, expiresAt, headers: { [CRC32C_HEADER]: checksumCrc32c } };
    }),
  );
}

/**
 * Completes the upload from `parts` and returns the stored object's size. Each part's CRC32C goes
 * back with it, and storage refuses a part whose stored checksum differs (`InvalidPart`). When
 * completion fails but the object is there, an earlier call already completed it (a retry after a
 * crash, or two calls at once), so that counts as success.
 */
export async function completeMultipartUpload(
  storage: SourceStorage,
  target: MultipartTarget,
  parts: ReadonlyArray<{ partNumber: number; etag: string; checksumCrc32c?: string }>,
): Promise<number> {
  let completionError: unknown = null;
  try {
    await storage.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: storage.bucket,
        Key: target.key,
        UploadId: target.uploadId,
        MultipartUpload: {
          Parts: parts.map(({ partNumber, etag, checksumCrc32c }) => ({
            PartNumber: partNumber,
            ETag: etag,
            ...(checksumCrc32c === undefined ? {} : { ChecksumCRC32C: checksumCrc32c }),
          })),
        },
      }),
    );
  } catch (error) {
    completionError = error;
  }
  const size = await storedObjectSize(storage, target.key);
  if (size === null) {
    throw storageFailure(
      "CompleteMultipartUpload",
      completionError,
      "Storage could not put the uploaded parts together. Try again in a moment.",
    );
  }
  return size;
}

/** The object's size from HeadObject, or null when there is no such object. */
export async function storedObjectSize(storage: SourceStorage, key: string): Promise<number | null> {
  try {
    const head = await storage.client.send(new HeadObjectCommand({ Bucket: storage.bucket, Key: key }));
    return head.ContentLength ?? null;
  } catch (error) {
    if (s3ErrorName(error) === "NotFound" || s3ErrorName(error) === "NoSuchKey") return null;
    throw storageFailure("HeadObject", error, "Storage could not check the uploaded file. Try again in a moment.");
  }
}

/** Aborts the upload; one that no longer exists is already as good as aborted. */
export async function abortMultipartUpload(storage: SourceStorage, target: MultipartTarget): Promise<void> {
  try {
    await storage.client.send(
      new AbortMultipartUploadCommand({ Bucket: storage.bucket, Key: target.key, UploadId: target.uploadId }),
    );
  } catch (error) {
    if (s3ErrorName(error) === "NoSuchUpload") return;
    throw storageFailure("AbortMultipartUpload", error, "Storage could not stop the upload.");
  }
}

/**
 * Deletes the object at `key` (a job's source that will never be used); deleting an object that
 * is not there succeeds, as in S3.
 */
export async function deleteStoredObject(storage: SourceStorage, key: string): Promise<void> {
  try {
    await storage.client.send(new DeleteObjectCommand({ Bucket: storage.bucket, Key: key }));
  } catch (error) {
    throw storageFailure("DeleteObject", error, "Storage could not delete the stopped upload's file.");
  }
}

function storageFailure(operation: string, error: unknown, message: string): ConvexError<AppErrorData> {
  const name = s3ErrorName(error) ?? "UnknownError";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  console.error(`S3 ${operation} failed: ${name}${status === undefined ? "" : ` (HTTP ${status})`}`);
  return appError("storage_error", message, { storageCode: name });
}

function s3ErrorName(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  // Network failures carry their cause in `code` (ECONNREFUSED, …) rather than `name`.
  if (typeof code === "string") return code;
  return typeof name === "string" ? name : undefined;
}
