/** The messages between `WorkerFileHasher` and `sha256Worker.ts`, and the worker's side of them. */
import { sha256OfBlob } from "./blobSha256";
import { UploadError, type UploadErrorCode } from "./uploadError";

export interface Sha256WorkerRequest {
  /** Posting a Blob or File to a worker shares a reference to it; no bytes are copied. */
  blob: Blob;
  chunkBytes: number;
}

export type Sha256WorkerReply =
  | { ok: true; sha256: string }
  | { ok: false; code: UploadErrorCode | null; message: string };

export async function answerSha256Request(request: Sha256WorkerRequest): Promise<Sha256WorkerReply> {
  try {
    return { ok: true, sha256: await sha256OfBlob(request.blob, request.chunkBytes) };
  } catch (error) {
    return {
      ok: false,
      code: error instanceof UploadError ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}
