/**
 * Applies Reeldrop's rules to a real R2 bucket:
 * - the CORS rule browser uploads need (PUT/GET/HEAD from the app's origin, `ETag` exposed) —
 *   the same values the embedded S3 server gets, from `scripts/s3/corsRule.ts`. It replaces the
 *   bucket's CORS configuration: the bucket is Reeldrop's alone.
 * - a lifecycle rule that aborts multipart uploads still incomplete after N days, the backstop
 *   for uploads whose abort never reached storage. Other lifecycle rules are kept.
 *
 *   R2_ENDPOINT=https://<account>.r2.cloudflarestorage.com R2_BUCKET=… R2_ACCESS_KEY_ID=… \
 *   R2_SECRET_ACCESS_KEY=… APP_ORIGIN=https://reeldrop.example npx tsx scripts/r2/applyBucketRules.ts
 *
 * `APP_ORIGIN` may list several origins, separated by commas. `R2_ABORT_INCOMPLETE_UPLOADS_DAYS`
 * sets N (default 7, R2's own default).
 */
import { pathToFileURL } from "node:url";
import {
  GetBucketLifecycleConfigurationCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  type CORSRule,
  type LifecycleRule,
  type S3Client,
} from "@aws-sdk/client-s3";
import { parseStorageConfig, type EnvSource, type StorageConfig } from "../../convex/lib/storageConfig";
import { createS3Client } from "../../convex/model/s3Client";
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from "../s3/corsRule";

export const DEFAULT_ABORT_INCOMPLETE_UPLOADS_DAYS = 7;
export const ABORT_RULE_ID = "reeldrop-abort-incomplete-multipart-uploads";

export type BucketRuleSettings = { storage: StorageConfig; allowedOrigins: string[]; abortAfterDays: number };

export function readBucketRuleSettings(
  source: EnvSource,
): { ok: true; settings: BucketRuleSettings } | { ok: false; problems: string[] } {
  const storage = parseStorageConfig(source);
  const problems = storage.ok ? [] : [...storage.problems];
  const allowedOrigins = (source.APP_ORIGIN ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  if (allowedOrigins.length === 0) problems.push("APP_ORIGIN is not set");
  for (const origin of allowedOrigins) {
    if (!isOrigin(origin)) problems.push(`APP_ORIGIN has "${origin}", which is not an origin like https://app.example`);
  }
  const rawDays = source.R2_ABORT_INCOMPLETE_UPLOADS_DAYS?.trim();
  const abortAfterDays = rawDays ? Number(rawDays) : DEFAULT_ABORT_INCOMPLETE_UPLOADS_DAYS;
  if (!Number.isInteger(abortAfterDays) || abortAfterDays < 1) {
    problems.push("R2_ABORT_INCOMPLETE_UPLOADS_DAYS is not a whole number of days");
  }
  if (!storage.ok || problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: { storage: storage.config, allowedOrigins, abortAfterDays } };
}

export function corsRule(allowedOrigins: readonly string[]): CORSRule {
  return {
    AllowedOrigins: [...allowedOrigins],
    AllowedMethods: [...CORS_ALLOWED_METHODS],
    AllowedHeaders: [...CORS_ALLOWED_HEADERS],
    ExposeHeaders: [...CORS_EXPOSE_HEADERS],
    MaxAgeSeconds: CORS_MAX_AGE_SECONDS,
  };
}

/** The bucket's lifecycle rules with Reeldrop's abort rule added, or replaced when it is already there. */
export function withAbortIncompleteUploadsRule(existing: readonly LifecycleRule[], days: number): LifecycleRule[] {
  return [
    ...existing.filter((rule) => rule.ID !== ABORT_RULE_ID),
    {
      ID: ABORT_RULE_ID,
      Status: "Enabled",
      Filter: { Prefix: "" },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: days },
    },
  ];
}

export async function applyCorsRule(
  client: S3Client,
  bucket: string,
  allowedOrigins: readonly string[],
): Promise<void> {
  await client.send(
    new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [corsRule(allowedOrigins)] } }),
  );
}

export async function applyAbortIncompleteUploadsRule(client: S3Client, bucket: string, days: number): Promise<void> {
  let existing: LifecycleRule[] = [];
  try {
    existing = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (error) {
    if ((error as { name?: string }).name !== "NoSuchLifecycleConfiguration") throw error;
  }
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: withAbortIncompleteUploadsRule(existing, days) },
    }),
  );
}

async function main(): Promise<void> {
  const parsed = readBucketRuleSettings(process.env);
  if (!parsed.ok) {
    console.error(
      `Cannot apply the bucket rules:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "Set them in the environment and run again.",
    );
    process.exit(1);
  }
  const { storage, allowedOrigins, abortAfterDays } = parsed.settings;
  const client = createS3Client(storage);
  await applyCorsRule(client, storage.bucket, allowedOrigins);
  console.log(
    `${storage.bucket}: CORS allows ${CORS_ALLOWED_METHODS.join("/")} from ${allowedOrigins.join(", ")}, exposes ETag.`,
  );
  await applyAbortIncompleteUploadsRule(client, storage.bucket, abortAfterDays);
  console.log(`${storage.bucket}: multipart uploads still incomplete after ${abortAfterDays} days are aborted.`);
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // The S3 error's name and message only: never the request, which carries credentials.
    const { name, message } = error as { name?: string; message?: string };
    console.error(`Applying the bucket rules failed: ${name ?? "Error"}: ${message ?? String(error)}`);
    process.exit(1);
  });
}
