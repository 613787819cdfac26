"use node";
/**
 * Presigned GET and PUT URLs for single objects: the worker's source download and artifact
 * uploads, and the owner's artifact downloads. Node-only (called from `"use node"` actions),
 * like every other S3 call — see `uploadStorage.ts`.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { SourceStorage } from "./multipartStorage";

export async function presignGetObject(
  storage: SourceStorage,
  key: string,
  ttlSeconds: number,
  downloadFileName?: string,
): Promise<string> {
  const command = new GetObjectCommand({
    Bucket: storage.bucket,
    Key: key,
    ...(downloadFileName === undefined
      ? {}
      : { ResponseContentDisposition: `attachment; filename="${downloadFileName.replace(/[^\w.-]/g, "_")}"` }),
  });
  return await getSignedUrl(storage.client, command, { expiresIn: ttlSeconds });
}

export async function presignPutObject(
  storage: SourceStorage,
  key: string,
  contentType: string,
  ttlSeconds: number,
): Promise<string> {
  const command = new PutObjectCommand({ Bucket: storage.bucket, Key: key, ContentType: contentType });
  return await getSignedUrl(storage.client, command, { expiresIn: ttlSeconds });
}
