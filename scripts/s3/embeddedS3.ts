/**
 * The embedded S3-compatible server for dev and tests: @20minutes/s3rver verifies SigV4
 * signatures and URL expiry and enforces bucket CORS, as R2 does. Added here:
 * AbortMultipartUpload, which s3rver lacks. Still unlike R2: no ListParts, no check of a part's
 * body against its Content-MD5, and CompleteMultipartUpload does not compare ETags.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import { corsRuleXml } from "./corsRule";

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

type KoaContext = {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  params?: { bucket?: string; key?: string };
  status: number;
  body: unknown;
};
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
type KoaApp = {
  middleware: KoaMiddleware[];
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
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
      const S3Error = (error as Error).constructor as new (code: string, message: string) => Error;
      const signed = ctx.headers.authorization !== undefined || ctx.query["X-Amz-Algorithm"] !== undefined;
      if (!signed) throw new S3Error("AccessDenied", "Access Denied");
      const uploadDir = /^[A-Za-z0-9_-]+$/.test(uploadId) ? join(app.store.getResourcePath(bucket, undefined, "uploads"), uploadId) : null;
      const uploadKey = uploadDir === null ? null : await readFile(join(uploadDir, "key"), "utf8").catch(() => null);
      if (uploadDir === null || uploadKey === null || uploadKey !== ctx.params?.key) {
        throw new S3Error("NoSuchUpload", "The specified upload does not exist. It may have been aborted or completed.");
      }
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
    }
  };
  // Koa composes its middleware when the server starts: this goes in just before the routes.
  app.middleware.splice(app.middleware.length - 1, 0, abort);
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
