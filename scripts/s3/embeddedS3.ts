/**
 * The embedded S3-compatible server for dev and tests, the double of Cloudflare R2, which is
 * the product's storage: @20minutes/s3rver verifies SigV4 signatures (signed headers included,
 * so a changed `x-amz-checksum-crc32c` is 403 SignatureDoesNotMatch) and URL expiry and
 * enforces bucket CORS, as R2 does. Added here: AbortMultipartUpload, which s3rver lacks, and
 * R2's checksum checks (`verifyChecksums.ts`): `Content-MD5` and `x-amz-checksum-crc32c`/`-crc32`
 * on PutObject and UploadPart (400 BadDigest, nothing stored), 501 for SHA checksums on parts,
 * NoSuchUpload for a part of an upload it does not have, and CompleteMultipartUpload comparing
 * each part's ETag and ChecksumCRC32C (400 InvalidPart) and their order (InvalidPartOrder).
 *
 * Also: bucket listings signed over the path as sent, `/<bucket>/` (`bucketPathSignatures.ts`;
 * s3rver signed them over `/<bucket>` and refused the AWS SDK's ListObjects).
 *
 * Still unlike R2: no ListParts and no ListMultipartUploads (NotImplemented); no part-size rules at completion (R2 wants every part but the
 * last at least 5 MiB and of one size); CRC64NVME is answered 501 instead of checked; a part
 * without a checksum is taken for an upload created with `x-amz-checksum-algorithm` and
 * completion does not require each part's checksum then (what R2 does there is not known
 * here); trailing checksums (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, the AWS SDK's default
 * unless `requestChecksumCalculation: "WHEN_REQUIRED"`) are refused by s3rver; the object keeps
 * no checksum for HeadObject/GetObject with `x-amz-checksum-mode`; a checksum hoisted into a
 * presigned URL's query is ignored, as AWS ignores it (R2's behaviour there is not known).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// Before s3rver, whose routes take its authentication middleware when they load.
import "./bucketPathSignatures";
import S3rver from "@20minutes/s3rver";
import { corsRuleXml } from "./corsRule";
import { findUpload, S3Error, useBeforeRoutes, type KoaApp, type KoaMiddleware } from "./s3rverApp";
import { verifyChecksumsLikeR2 } from "./verifyChecksums";

/** s3rver's built-in account; only ever used against the local server. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export type EmbeddedS3Options = {
  /** 0 picks a free port. */
  port?: number;
  bucket: string;
  allowedOrigins: readonly string[];
  /** Where objects are stored; a fresh temporary folder (removed on stop) when omitted. */
  directory?: string;
};

export type EmbeddedS3 = {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  directory: string;
  stop(): Promise<void>;
};

/**
 * s3rver does not implement AbortMultipartUpload: it answers 405 MethodNotAllowed, where R2 and
 * S3 drop the upload's parts (and answer NoSuchUpload for one they do not have). This adds it,
 * just before s3rver's routes, whose route for `DELETE ?uploadId` marks the method as not
 * allowed after s3rver's signature check. That check lets a request with no signature at all
 * through as anonymous, so an abort must carry one (which it then verified), and it must name
 * the upload's own key.
 */
function supportAbortMultipartUpload(app: KoaApp): void {
  const abort: KoaMiddleware = async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const { uploadId } = ctx.query;
      const bucket = ctx.params?.bucket;
      const notAllowed = (error as { code?: unknown }).code === "MethodNotAllowed";
      if (!notAllowed || ctx.method !== "DELETE" || typeof uploadId !== "string" || bucket === undefined) throw error;
      const signed = ctx.headers.authorization !== undefined || ctx.query["X-Amz-Algorithm"] !== undefined;
      if (!signed) throw new S3Error("AccessDenied", "Access Denied");
      const upload = await findUpload(app.store, bucket, ctx.params?.key, uploadId);
      await rm(upload.dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
    }
  };
  useBeforeRoutes(app, abort);
}

/**
 * The file that holds an object's bytes in the server's folder, for tests that change stored
 * bytes behind the server's back (storage-side corruption).
 */
export function storedObjectPath(s3: Pick<EmbeddedS3, "directory" | "bucket">, key: string): string {
  return join(s3.directory, s3.bucket, `${key}._S3rver_object`);
}

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "reeldrop-s3-")));
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [corsRuleXml(options.allowedOrigins)] }],
  });
  supportAbortMultipartUpload(server as unknown as KoaApp);
  verifyChecksumsLikeR2(server as unknown as KoaApp);
  const address = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: options.bucket,
    ...EMBEDDED_S3_CREDENTIALS,
    directory,
    async stop() {
      await server.close();
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
