/** Hex SHA-256 of a file, streamed in chunks so large uploads never sit in memory. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

const CHUNK_BYTES = 1024 * 1024;

export async function sha256File(path: string, options: { signal?: AbortSignal } = {}) {
  const hash = createHash("sha256");
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES, signal: options.signal });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
