// @vitest-environment node
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createS3Client } from "../../convex/model/s3Client";
import { startEmbeddedS3, type EmbeddedS3 } from "./embeddedS3";

let s3: EmbeddedS3;
let client: S3Client;
beforeAll(async () => {
  s3 = await startEmbeddedS3({ bucket: "abort-test", allowedOrigins: ["http://localhost:3000"] });
  client = createS3Client(s3);
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

async function uploadWithOnePart(key: string) {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
  const { ETag } = await client.send(
    new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1, Body: new Uint8Array(1000) }),
  );
  return { UploadId: UploadId!, ETag: ETag! };
}

const errorName = (promise: Promise<unknown>) => promise.then(() => "no error", (error: { name?: string }) => error.name);

describe("the embedded S3 server's AbortMultipartUpload (s3rver itself answers 405)", () => {
  test("drops the upload's parts, as R2 does: completing it afterwards fails, and a second abort gets NoSuchUpload", async () => {
    const key = "sources/job/source";
    const { UploadId, ETag } = await uploadWithOnePart(key);
    await client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId }));
    expect(
      await errorName(
        client.send(
          new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }),
        ),
      ),
    ).not.toBe("no error");
    expect(await errorName(client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId })))).toBe("NoSuchUpload");
  });

  test("an abort that is not signed by the account is refused, and the upload stays", async () => {
    const key = "sources/other/source";
    const { UploadId, ETag } = await uploadWithOnePart(key);
    const stranger = createS3Client({ ...s3, secretAccessKey: "not-the-secret" });
    expect(await errorName(stranger.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId })))).toBe(
      "SignatureDoesNotMatch",
    );
    stranger.destroy();
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }),
    );
  });

  test("an abort with no signature at all is refused, and so is one naming another key; the upload stays", async () => {
    const key = "sources/third/source";
    const { UploadId, ETag } = await uploadWithOnePart(key);
    const unsigned = await fetch(`${s3.endpoint}/${s3.bucket}/${key}?uploadId=${UploadId}`, { method: "DELETE" });
    expect(unsigned.status).toBe(403);
    expect(
      await errorName(client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: "sources/other-job/source", UploadId }))),
    ).toBe("NoSuchUpload");
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }),
    );
  });

  test("an upload id that is not one (a path, say) gets NoSuchUpload", async () => {
    for (const UploadId of ["../../etc", "no-such-upload"]) {
      expect(await errorName(client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: "k", UploadId })))).toBe("NoSuchUpload");
    }
  });
});

describe("the embedded S3 server's bucket listings (s3rver signed them over `/bucket`, not the `/bucket/` the SDK sends)", () => {
  test("ListObjectsV2 and ListObjects signed by the AWS SDK are answered, as R2 answers them", async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "listed/a", Body: "a" }));
    const v2 = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: "listed/" }));
    expect(v2.Contents?.map((object) => object.Key)).toEqual(["listed/a"]);
    const v1 = await client.send(new ListObjectsCommand({ Bucket: s3.bucket, Prefix: "listed/" }));
    expect(v1.Contents?.map((object) => object.Key)).toEqual(["listed/a"]);
  });

  test("ListMultipartUploads, which s3rver lacks, passes the signature check and is answered NotImplemented", async () => {
    expect(await errorName(client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket })))).toBe("NotImplemented");
  });

  test("a listing signed with another secret is still refused", async () => {
    const stranger = createS3Client({ ...s3, secretAccessKey: "not-the-secret" });
    expect(await errorName(stranger.send(new ListObjectsV2Command({ Bucket: s3.bucket })))).toBe("SignatureDoesNotMatch");
    stranger.destroy();
  });
});
