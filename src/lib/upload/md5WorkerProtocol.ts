/** The messages between `WorkerPartHasher` and `md5Worker.ts`, and the worker's side of them. */
import { readBlobInChunks } from "./blobChunks";
import { createHasher } from "./hashers";
import { UploadError, type UploadErrorCode } from "./uploadError";

export interface Md5WorkerRequest {
  /** Matches the reply to its request: one worker hashes every part of an upload. */
  id: number;
  /** Posting a Blob to a worker shares a reference to it; no bytes are copied. */
  blob: Blob;
  chunkBytes: number;
}

export type Md5WorkerReply =
  | { id: number; ok: true; md5: Uint8Array }
  | { id: number; ok: false; code: UploadErrorCode | null; message: string };

export async function answerMd5Request({ id, blob, chunkBytes }: Md5WorkerRequest): Promise<Md5WorkerReply> {
  try {
    return { id, ok: true, md5: await md5OfBlob(blob, chunkBytes) };
  } catch (error) {
    return {
      id,
      ok: false,
      code: error instanceof UploadError ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

/** The MD5 of a Blob's bytes, read `chunkBytes` at a time. */
export async function md5OfBlob(blob: Blob, chunkBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
  const hasher = await createHasher("md5");
  await readBlobInChunks(blob, chunkBytes, (chunk) => hasher.update(chunk), signal);
  return hasher.digest();
}
