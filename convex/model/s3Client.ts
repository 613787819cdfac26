"use node";
/**
 * The one S3 client factory, for Convex's storage actions and the R2 set-up script.
 *
 * `requestChecksumCalculation`/`responseChecksumValidation: "WHEN_REQUIRED"`: since 3.729 the
 * AWS SDK otherwise adds a CRC32 of the (empty) body to every presigned URL, and R2 then
 * refuses the real part's bytes. Path-style addressing works on R2's account endpoint and on
 * the embedded S3 server alike.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { StorageConfig } from "../lib/storageConfig";

export function createS3Client(config: StorageConfig): S3Client {
  return new S3Client({
    region: "auto",
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
