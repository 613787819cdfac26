import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GetBucketCorsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../convex/model/s3Client";
import { startEmbeddedS3, type EmbeddedS3 } from "../s3/embeddedS3";
import {
  ABORT_RULE_ID,
  applyAbortIncompleteUploadsRule,
  applyCorsRule,
  readBucketRuleSettings,
  withAbortIncompleteUploadsRule,
} from "./applyBucketRules";

const storageEnv = {
  R2_ENDPOINT: "https://account.r2.cloudflarestorage.com",
  R2_BUCKET: "reeldrop",
  R2_ACCESS_KEY_ID: "id",
  R2_SECRET_ACCESS_KEY: "secret",
};

describe("settings", () => {
  test("reads storage, origins and the abort window, with a default of 7 days", () => {
    expect(readBucketRuleSettings({ ...storageEnv, APP_ORIGIN: "https://a.example, http://localhost:3000" })).toEqual({
      ok: true,
      settings: {
        storage: { endpoint: storageEnv.R2_ENDPOINT, bucket: "reeldrop", accessKeyId: "id", secretAccessKey: "secret" },
        allowedOrigins: ["https://a.example", "http://localhost:3000"],
        abortAfterDays: 7,
      },
    });
  });

  test("names every missing or unusable setting, never a value", () => {
    const result = readBucketRuleSettings({
      R2_SECRET_ACCESS_KEY: "very-secret",
      APP_ORIGIN: "https://a.example/path",
      R2_ABORT_INCOMPLETE_UPLOADS_DAYS: "1.5",
    });
    expect(result.ok).toBe(false);
    const problems = (result as { problems: string[] }).problems;
    expect(problems).toEqual([
      "R2_ENDPOINT is not set",
      "R2_BUCKET is not set",
      "R2_ACCESS_KEY_ID is not set",
      'APP_ORIGIN has "https://a.example/path", which is not an origin like https://app.example',
      "R2_ABORT_INCOMPLETE_UPLOADS_DAYS is not a whole number of days",
    ]);
    expect(problems.join()).not.toContain("very-secret");
  });

  test("the command exits with a clear message when settings are missing", async () => {
    const run = promisify(execFile)("npx", ["tsx", "scripts/r2/applyBucketRules.ts"], {
      env: {
        ...process.env,
        R2_ENDPOINT: "",
        R2_BUCKET: "",
        R2_ACCESS_KEY_ID: "",
        R2_SECRET_ACCESS_KEY: "",
        APP_ORIGIN: "",
      },
    });
    const failure = await run.then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("Cannot apply the bucket rules:");
    expect(failure?.stderr).toContain("R2_ENDPOINT is not set");
    expect(failure?.stderr).toContain("APP_ORIGIN is not set");
  }, 30_000);
});

describe("against the embedded S3 server", () => {
  let s3: EmbeddedS3;
  beforeAll(async () => {
    s3 = await startEmbeddedS3({ bucket: "rules-test", allowedOrigins: ["http://old.example"] });
  });
  afterAll(async () => {
    await s3.stop();
  });

  /**
   * s3rver 4.0.4 canonicalises a bucket's own path as "/bucket" where the SDK signs "/bucket/",
   * so bucket-level calls fail its signature check; R2 has no such quirk.
   */
  function clientForS3rver(): S3Client {
    const client = createS3Client(s3);
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { path?: string };
        if (request.path === `/${s3.bucket}/`) request.path = `/${s3.bucket}`;
        return next(args);
      },
      { step: "build", name: "s3rverBucketPath" },
    );
    return client;
  }

  const preflight = (origin: string, requestHeaders = "content-md5,content-type") =>
    fetch(`${s3.endpoint}/${s3.bucket}/sources/job/source?partNumber=1&uploadId=u`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": requestHeaders,
      },
    });

  test("PutBucketCors applies the shared rule: the app's origin may PUT with Content-MD5 or x-amz-checksum-crc32c, others may not", async () => {
    await applyCorsRule(clientForS3rver(), s3.bucket, ["https://app.example"]);
    const { CORSRules } = await clientForS3rver().send(new GetBucketCorsCommand({ Bucket: s3.bucket }));
    expect(CORSRules).toEqual([
      {
        AllowedOrigins: ["https://app.example"],
        AllowedMethods: ["GET", "PUT", "HEAD"],
        AllowedHeaders: ["content-type", "content-md5", "content-length", "x-amz-checksum-crc32c"],
        ExposeHeaders: ["ETag"],
        MaxAgeSeconds: 3600,
      },
    ]);
    const allowed = await preflight("https://app.example");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(allowed.headers.get("access-control-allow-headers")).toBe("content-md5, content-type");
    const withChecksum = await preflight("https://app.example", "content-type,x-amz-checksum-crc32c");
    expect(withChecksum.status).toBe(200);
    expect(withChecksum.headers.get("access-control-allow-headers")).toBe("content-type, x-amz-checksum-crc32c");
    expect((await preflight("https://app.example", "x-amz-checksum-sha256")).status).toBe(403);
    expect((await preflight("http://old.example")).status).toBe(403);

    await clientForS3rver().send(new PutObjectCommand({ Bucket: s3.bucket, Key: "probe", Body: "x" }));
    const read = await fetch(`${s3.endpoint}/${s3.bucket}/probe`, { headers: { Origin: "https://app.example" } });
    expect(read.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(read.headers.get("access-control-expose-headers")).toBe("ETag");
  });
});

describe("the abort-incomplete-uploads lifecycle rule", () => {
  // s3rver 4.0.4 answers every lifecycle call with NotImplemented, so this part is checked
  // against the commands the script sends.
  test("is added next to the bucket's other rules and replaces an earlier copy of itself", async () => {
    const expiry = {
      ID: "expire-tmp",
      Status: "Enabled" as const,
      Filter: { Prefix: "tmp/" },
      Expiration: { Days: 1 },
    };
    const sent: Array<{ name: string; input: unknown }> = [];
    const client = {
      send: vi.fn(async (command: { constructor: { name: string }; input: unknown }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return command.constructor.name === "GetBucketLifecycleConfigurationCommand"
          ? { Rules: withAbortIncompleteUploadsRule([expiry], 3) }
          : {};
      }),
    } as unknown as S3Client;

    await applyAbortIncompleteUploadsRule(client, "reeldrop", 7);

    expect(sent).toEqual([
      { name: "GetBucketLifecycleConfigurationCommand", input: { Bucket: "reeldrop" } },
      {
        name: "PutBucketLifecycleConfigurationCommand",
        input: {
          Bucket: "reeldrop",
          LifecycleConfiguration: {
            Rules: [
              expiry,
              {
                ID: ABORT_RULE_ID,
                Status: "Enabled",
                Filter: { Prefix: "" },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              },
            ],
          },
        },
      },
    ]);
  });

  test("a bucket without lifecycle rules gets just this one", async () => {
    const puts: unknown[] = [];
    const client = {
      send: vi.fn(async (command: { constructor: { name: string }; input: unknown }) => {
        if (command.constructor.name === "GetBucketLifecycleConfigurationCommand") {
          throw Object.assign(new Error("none"), { name: "NoSuchLifecycleConfiguration" });
        }
        puts.push(command.input);
        return {};
      }),
    } as unknown as S3Client;
    await applyAbortIncompleteUploadsRule(client, "reeldrop", 7);
    expect(puts).toEqual([
      { Bucket: "reeldrop", LifecycleConfiguration: { Rules: withAbortIncompleteUploadsRule([], 7) } },
    ]);
  });
});
