import { readBlobInChunks } from "./blobChunks";
import { bytesToHex } from "./byteEncoding";
import { createHasher } from "./hashers";

/** Hex SHA-256 of a Blob, read `chunkBytes` at a time. */
export async function sha256OfBlob(blob: Blob, chunkBytes: number, signal?: AbortSignal): Promise<string> {
  const hasher = await createHasher("sha256");
  await readBlobInChunks(blob, chunkBytes, (chunk) => hasher.update(chunk), signal);
  return bytesToHex(hasher.digest());
}
