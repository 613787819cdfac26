import { UploadError } from "./uploadError";

/**
 * Feeds `blob` to `consume` one chunk at a time so that at most `chunkBytes` of it is in memory,
 * and so a long hash yields to the event loop between chunks.
 */
export async function readBlobInChunks(
  blob: Blob,
  chunkBytes: number,
  consume: (chunk: Uint8Array, bytesReadSoFar: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let offset = 0; offset < blob.size; offset += chunkBytes) {
    signal?.throwIfAborted();
    const end = Math.min(offset + chunkBytes, blob.size);
    let chunk: ArrayBuffer;
    try {
      chunk = await blob.slice(offset, end).arrayBuffer();
    } catch (error) {
      throw new UploadError(
        "file_unreadable",
        "The file could not be read. It may have been moved, deleted or changed since you selected it; select it again.",
        { cause: error },
      );
    }
    signal?.throwIfAborted();
    consume(new Uint8Array(chunk), end);
  }
}
