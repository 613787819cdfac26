/** Reads what storage holds, straight from the embedded S3 server (not through the proxy). */
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { createS3Client } from "../../convex/model/s3Client";

type S3Settings = { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };

function s3Settings(): S3Settings {
  const raw = process.env.E2E_S3;
  if (!raw) throw new Error("E2E_S3 is not set: run the specs through playwright.config.ts");
  return JSON.parse(raw) as S3Settings;
}

/** The key Convex stores a job's source under (`convex/model/multipartStorage.ts`). */
export const sourceKey = (jobId: string) => `sources/${jobId}/source`;

/** SHA-256 and size of the stored object, hashed as it streams. */
export async function storedObjectDigest(key: string): Promise<{ sha256: string; size: number }> {
  const settings = s3Settings();
  const client = createS3Client(settings);
  try {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key }));
    if (!Body) throw new Error(`no body for ${key}`);
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of Body as Readable) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest("hex"), size };
  } finally {
    client.destroy();
  }
}
