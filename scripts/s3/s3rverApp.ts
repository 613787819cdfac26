/**
 * What the patches in this folder use of @20minutes/s3rver 4.0.4's insides: its Koa app (the
 * middleware list, the filesystem store) and its S3Error, which s3rver's error handler renders
 * as S3's XML error with the code's status.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import S3ErrorClass from "@20minutes/s3rver/lib/models/error.js";

export type KoaContext = {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  params?: { bucket?: string; key?: string };
  request: { body?: unknown };
  req: NodeJS.ReadableStream & { resume(): void };
  status: number;
  body: unknown;
  set(name: string, value: string): void;
  store: S3rverStore;
};
export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** The parts of s3rver's FilesystemStore the patches call or replace. */
export type S3rverStore = {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putContent(path: string, content: NodeJS.ReadableStream): Promise<[size: number, md5Hex: string]>;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5Hex: string): Promise<void>;
  initiateUpload(bucket: string, key: string, uploadId: string, metadata: Record<string, unknown>): Promise<void>;
  putObject(object: { bucket: string; key: string; content: NodeJS.ReadableStream; metadata: Record<string, unknown> }): Promise<{
    size: number;
    md5: string;
  }>;
  putPart(bucket: string, uploadId: string, partNumber: string, content: NodeJS.ReadableStream): Promise<{ size: number; md5: string }>;
  putObjectMultipart(bucket: string, uploadId: string, parts: Array<{ number: number; etag: string }>): Promise<{ size: number; md5: string }>;
};

export type KoaApp = { middleware: KoaMiddleware[]; store: S3rverStore };

export const S3Error = S3ErrorClass as new (code: string, message: string, detail?: Record<string, string>) => Error;

/** Koa composes its middleware when the server starts: this goes in just before s3rver's routes. */
export function useBeforeRoutes(app: KoaApp, middleware: KoaMiddleware): void {
  app.middleware.splice(app.middleware.length - 1, 0, middleware);
}

/**
 * A multipart upload's folder and the checksum algorithm CreateMultipartUpload declared; throws
 * NoSuchUpload for an upload the store does not have, one under another key, or an id that is
 * not one (a path, say).
 */
export async function findUpload(
  store: S3rverStore,
  bucket: string,
  key: string | undefined,
  uploadId: string,
): Promise<{ dir: string; algorithm: string | undefined }> {
  const noSuchUpload = new S3Error("NoSuchUpload", "The specified upload does not exist. It may have been aborted or completed.");
  if (!/^[A-Za-z0-9_-]+$/.test(uploadId)) throw noSuchUpload;
  const dir = join(store.getResourcePath(bucket, undefined, "uploads"), uploadId);
  const [uploadKey, metadata] = await Promise.all([
    readFile(join(dir, "key"), "utf8").catch(() => null),
    readFile(join(dir, "metadata"), "utf8").then((text) => JSON.parse(text) as Record<string, unknown>, () => null),
  ]);
  if (uploadKey === null || metadata === null || uploadKey !== key) throw noSuchUpload;
  const declared = metadata["x-amz-checksum-algorithm"];
  return { dir, algorithm: typeof declared === "string" ? declared.toLowerCase() : undefined };
}
