/**
 * Test files written to disk from a seeded pseudo-random stream (the AES-256-CTR keystream of a
 * key derived from the seed): any size without holding it in memory, the same bytes for the
 * same seed, and the SHA-256 computed on the way.
 */
import { createCipheriv, createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";

export const MiB = 1024 * 1024;
const CHUNK_BYTES = 4 * MiB;

export type TestFile = { path: string; name: string; size: number; sha256: string };

export async function writeSeededFile(directory: string, name: string, size: number, seed: string): Promise<TestFile> {
  const key = createHash("sha256").update(`reeldrop-e2e:${seed}`).digest();
  const keystream = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK_BYTES);
  const hash = createHash("sha256");
  const filePath = path.join(directory, name);
  const out = createWriteStream(filePath);
  for (let written = 0; written < size; ) {
    const n = Math.min(CHUNK_BYTES, size - written);
    const chunk = keystream.update(zeros.subarray(0, n));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, "drain");
    written += n;
  }
  out.end();
  await once(out, "finish");
  return { path: filePath, name, size, sha256: hash.digest("hex") };
}

/** A fresh temporary folder and its removal. */
export async function tempFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), "reeldrop-upload-e2e-"));
  return { path: folder, remove: () => rm(folder, { recursive: true, force: true }) };
}
