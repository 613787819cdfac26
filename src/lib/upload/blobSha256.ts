import { readBlobInChunks } from "./blobChunks";
import { bytesToHex } from "./byteEncoding";
import { Sha256 } from "./sha256";

/** Hex SHA-256 of a Blob, read `chunkBytes` at a time. */
export async function sha256OfBlob(blob: Blob, chunkBytes: number, signal?: AbortSignal): Promise<string> {
  const hasher = new Sha256();
  await readBlobInChunks(blob, chunkBytes, (chunk) => hasher.update(chunk), signal);
  return bytesToHex(hasher.digest());
}
