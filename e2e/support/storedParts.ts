/**
 * Part by part, which bytes of a local file storage does not hold: the measured "lost" of the
 * upload drills (a part is lost when the stored object lacks it or holds other bytes there).
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { createS3Client } from "../../convex/model/s3Client";

type S3Settings = { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };

/** SHA-256 of each `partSize` slice of `chunks` (the last one shorter). */
async function sliceDigests(chunks: AsyncIterable<Uint8Array>, partSize: number): Promise<string[]> {
  const digests: string[] = [];
  let hash = createHash("sha256");
  let filled = 0;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - filled, chunk.length - offset);
      hash.update(chunk.subarray(offset, offset + take));
      filled += take;
      offset += take;
      if (filled === partSize) {
        digests.push(hash.digest("hex"));
        hash = createHash("sha256");
        filled = 0;
      }
    }
  }
  if (filled > 0) digests.push(hash.digest("hex"));
  return digests;
}

async function* fileChunks(filePath: string): AsyncIterable<Uint8Array> {
  const handle = await open(filePath);
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
  } finally {
    await handle.close();
  }
}

export type LostParts = { parts: number; lostParts: number[]; lostBytes: number; storedBytes: number };

/** Compares the stored object at `key` with `filePath`, `partSize` bytes at a time. */
export async function lostParts(key: string, filePath: string, fileSize: number, partSize: number): Promise<LostParts> {
  const raw = process.env.E2E_S3;
  if (!raw) throw new Error("E2E_S3 is not set: run the specs through playwright.config.ts");
  const settings = JSON.parse(raw) as S3Settings;
  const client = createS3Client(settings);
  try {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key }));
    if (!Body) throw new Error(`no body for ${key}`);
    let storedBytes = 0;
    const counted = async function* () {
      for await (const chunk of Body as Readable) {
        storedBytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    };
    const [stored, local] = await Promise.all([sliceDigests(counted(), partSize), sliceDigests(fileChunks(filePath), partSize)]);
    const lost = local.flatMap((digest, index) => (stored[index] === digest ? [] : [index + 1]));
    const lostBytes = lost.reduce((sum, partNumber) => sum + Math.min(partSize, fileSize - (partNumber - 1) * partSize), 0);
    return { parts: local.length, lostParts: lost, lostBytes, storedBytes };
  } finally {
    client.destroy();
  }
}
