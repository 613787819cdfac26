// @vitest-environment node
/**
 * The embedded S3 server checks checksums as R2 does (verifyChecksums.ts), through the real
 * server: the AWS SDK as Convex's storage actions use it, and raw PUTs to presigned URLs as the
 * browser sends them.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { crc32c, crc32cToBase64, s3CompositeCrc32c } from "../../convex/lib/crc32c";
import { createS3Client } from "../../convex/model/s3Client";
import { startEmbeddedS3, storedObjectPath, type EmbeddedS3 } from "./embeddedS3";

let s3: EmbeddedS3;
let client: S3Client;
beforeAll(async () => {
  s3 = await startEmbeddedS3({ bucket: "checksum-test", allowedOrigins: ["http://localhost:3000"] });
  client = createS3Client(s3);
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

const bytesOf = (length: number, seed: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 0xff);
const checksumOf = (bytes: Uint8Array) => crc32cToBase64(crc32c(bytes));
const md5Of = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");
function flipped(bytes: Uint8Array, at = bytes.length >> 1): Uint8Array<ArrayBuffer> {
  if (at >= bytes.length) throw new RangeError("no byte there to flip");
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
}
/** The S3 error's code and HTTP status, or "no error". */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "no error",
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`,
  );
/** The code in an S3 XML error body. */
const errorCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

let uploads = 0;
async function createUpload(checksumAlgorithm?: "CRC32C") {
  const Key = `sources/job-${++uploads}/source`;
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key, ChecksumAlgorithm: checksumAlgorithm }),
  );
  return { Bucket: s3.bucket, Key, UploadId: UploadId! };
}
const uploadPart = (upload: { Bucket: string; Key: string; UploadId: string }, PartNumber: number, Body: Uint8Array, checksum?: string) =>
  client.send(new UploadPartCommand({ ...upload, PartNumber, Body, ChecksumCRC32C: checksum }));
const complete = (upload: { Bucket: string; Key: string; UploadId: string }, Parts: CompletedPart[]) =>
  client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts } }));
const stored = async (Key: string) =>
  new Uint8Array(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }))).Body!.transformToByteArray());

/** A presigned UploadPart URL that signs the part's CRC32C as a header, as issue 17's design has Convex sign it. */
async function partUrlSigningChecksum(upload: { Bucket: string; Key: string; UploadId: string }, partNumber: number, checksum: string) {
  return await getSignedUrl(client, new UploadPartCommand({ ...upload, PartNumber: partNumber, ChecksumCRC32C: checksum }), {
    expiresIn: 600,
    unhoistableHeaders: new Set(["x-amz-checksum-crc32c"]),
  });
}

describe("UploadPart with x-amz-checksum-crc32c (AWS SDK)", () => {
  test("the right checksum is taken and echoed; the parts complete with their checksums into the object, with S3's composite checksum", async () => {
    const upload = await createUpload("CRC32C");
    const parts = [bytesOf(6000, 1), bytesOf(2500, 2)];
    const answers = await Promise.all(parts.map((body, i) => uploadPart(upload, i + 1, body, checksumOf(body))));
    expect(answers.map((a) => a.ChecksumCRC32C)).toEqual(parts.map(checksumOf));
    const result = await complete(
      upload,
      parts.map((body, i) => ({ PartNumber: i + 1, ETag: answers[i]!.ETag, ChecksumCRC32C: checksumOf(body) })),
    );
    expect(result.ChecksumCRC32C).toBe(s3CompositeCrc32c(parts.map(checksumOf)));
    expect(Buffer.from(await stored(upload.Key))).toEqual(Buffer.concat(parts));
  });

  test("one flipped byte is refused with 400 BadDigest and nothing is stored: the part's earlier bytes stay", async () => {
    const upload = await createUpload("CRC32C");
    const body = bytesOf(5000, 3);
    expect(await refusal(uploadPart(upload, 1, flipped(body), checksumOf(body)))).toBe("400 BadDigest");
    // Nothing stored for part 1: completing with it finds no such part.
    expect(await refusal(complete(upload, [{ PartNumber: 1, ETag: `"${createHash("md5").update(flipped(body)).digest("hex")}"` }]))).toBe(
      "400 InvalidPart",
    );
    const { ETag } = await uploadPart(upload, 1, body, checksumOf(body));
    expect(await refusal(uploadPart(upload, 1, flipped(body, 4999), checksumOf(body)))).toBe("400 BadDigest");
    await complete(upload, [{ PartNumber: 1, ETag, ChecksumCRC32C: checksumOf(body) }]);
    expect(Buffer.from(await stored(upload.Key))).toEqual(Buffer.from(body));
  });

  test("a part of an upload created with CRC32C that carries another algorithm's checksum is refused; one with none is taken", async () => {
    const upload = await createUpload("CRC32C");
    const body = bytesOf(100, 4);
    const crc32 = client.send(new UploadPartCommand({ ...upload, PartNumber: 1, Body: body, ChecksumCRC32: checksumOf(body) }));
    expect(await refusal(crc32)).toBe("400 InvalidRequest");
    expect((await uploadPart(upload, 1, body)).ETag).toBeDefined();
  });

  test("SHA-1 and SHA-256 on a part get 501 NotImplemented, as R2 answers; a part of an upload that does not exist gets NoSuchUpload", async () => {
    const upload = await createUpload();
    const body = bytesOf(100, 5);
    const sha256 = createHash("sha256").update(body).digest("base64");
    const sha1 = createHash("sha1").update(body).digest("base64");
    expect(await refusal(client.send(new UploadPartCommand({ ...upload, PartNumber: 1, Body: body, ChecksumSHA256: sha256 })))).toBe(
      "501 NotImplemented",
    );
    expect(await refusal(client.send(new UploadPartCommand({ ...upload, PartNumber: 1, Body: body, ChecksumSHA1: sha1 })))).toBe(
      "501 NotImplemented",
    );
    expect(await refusal(uploadPart({ ...upload, UploadId: "0123456789abcdef" }, 1, body))).toBe("404 NoSuchUpload");
    expect(await refusal(uploadPart({ ...upload, Key: "sources/another/source" }, 1, body))).toBe("404 NoSuchUpload");
  });
});

describe("CompleteMultipartUpload checks the listed parts", () => {
  test("a wrong ChecksumCRC32C or ETag is InvalidPart, parts out of order InvalidPartOrder; the upload then completes with the right list", async () => {
    const upload = await createUpload("CRC32C");
    const parts = [bytesOf(300, 6), bytesOf(200, 7)];
    const etags = await Promise.all(parts.map(async (body, i) => (await uploadPart(upload, i + 1, body, checksumOf(body))).ETag!));
    const right = parts.map((body, i) => ({ PartNumber: i + 1, ETag: etags[i], ChecksumCRC32C: checksumOf(body) }));
    expect(await refusal(complete(upload, [right[0]!, { ...right[1]!, ChecksumCRC32C: checksumOf(parts[0]!) }]))).toBe("400 InvalidPart");
    expect(await refusal(complete(upload, [right[0]!, { ...right[1]!, ETag: etags[0] }]))).toBe("400 InvalidPart");
    expect(await refusal(complete(upload, [right[1]!, right[0]!]))).toBe("400 InvalidPartOrder");
    // A part uploaded without a checksum is checked against its bytes at completion.
    const body3 = bytesOf(50, 8);
    const { ETag } = await uploadPart(upload, 3, body3);
    expect(await refusal(complete(upload, [...right, { PartNumber: 3, ETag, ChecksumCRC32C: checksumOf(parts[0]!) }]))).toBe(
      "400 InvalidPart",
    );
    await complete(upload, [...right, { PartNumber: 3, ETag, ChecksumCRC32C: checksumOf(body3) }]);
    expect(Buffer.from(await stored(upload.Key))).toEqual(Buffer.concat([...parts, body3]));
  });
});

describe("a presigned UploadPart URL with the CRC32C as a signed header (raw PUTs, as the browser sends them)", () => {
  test("the right body is stored; one flipped byte is 400 BadDigest in S3's XML; a changed checksum header is 403 SignatureDoesNotMatch", async () => {
    const upload = await createUpload("CRC32C");
    const body = bytesOf(7000, 9);
    const url = await partUrlSigningChecksum(upload, 1, checksumOf(body));
    expect(url).not.toMatch(/x-amz-checksum-crc32c=/i);
    expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")?.split(";")).toContain("x-amz-checksum-crc32c");

    const corrupt = await fetch(url, { method: "PUT", body: flipped(body), headers: { "x-amz-checksum-crc32c": checksumOf(body) } });
    expect(corrupt.status).toBe(400);
    const xml = await corrupt.text();
    expect(errorCode(xml)).toBe("BadDigest");
    expect(xml).toContain("The CRC32C you specified did not match the calculated checksum.");

    // The flipped body with its own, matching checksum: the header is signed, so the signature breaks.
    const swapped = await fetch(url, { method: "PUT", body: flipped(body), headers: { "x-amz-checksum-crc32c": checksumOf(flipped(body)) } });
    expect(swapped.status).toBe(403);
    expect(errorCode(await swapped.text())).toBe("SignatureDoesNotMatch");
    const dropped = await fetch(url, { method: "PUT", body });
    expect(dropped.status).toBe(403);
    await dropped.body?.cancel();

    const good = await fetch(url, { method: "PUT", body, headers: { "x-amz-checksum-crc32c": checksumOf(body) } });
    expect(good.status).toBe(200);
    expect(good.headers.get("x-amz-checksum-crc32c")).toBe(checksumOf(body));
    await complete(upload, [{ PartNumber: 1, ETag: good.headers.get("etag")!, ChecksumCRC32C: checksumOf(body) }]);
    expect(Buffer.from(await stored(upload.Key))).toEqual(Buffer.from(body));
  });

  test("malformed values: x-amz-checksum-crc32c is 400 InvalidRequest, Content-MD5 is 400 InvalidDigest; two checksum headers 400 InvalidRequest", async () => {
    const upload = await createUpload();
    const body = bytesOf(100, 10);
    const url = await getSignedUrl(client, new UploadPartCommand({ ...upload, PartNumber: 1 }), { expiresIn: 600 });
    const put = async (headers: Record<string, string>) => {
      const response = await fetch(url, { method: "PUT", body, headers });
      return `${response.status} ${errorCode(await response.text())}`;
    };
    // Unsigned headers here: the checks do not depend on the signature.
    for (const value of ["abc", "4waSgx==", "4waSgw=", "AAAAAAAAAAA=", `${checksumOf(body)},${checksumOf(body)}`]) {
      expect(await put({ "x-amz-checksum-crc32c": value }), value).toBe("400 InvalidRequest");
    }
    expect(await put({ "content-md5": "not-an-md5" })).toBe("400 InvalidDigest");
    expect(await put({ "x-amz-checksum-crc32c": checksumOf(body), "x-amz-checksum-crc32": checksumOf(body) })).toBe("400 InvalidRequest");
    expect(await put({ "x-amz-checksum-crc32c": checksumOf(body), "content-md5": md5Of(body) })).toBe("200 undefined");
  });

  test("a checksum hoisted into the query string (the presigner's default) is ignored, as AWS ignores it: only a signed header protects the part", async () => {
    const upload = await createUpload();
    const body = bytesOf(100, 11);
    const hoisted = await getSignedUrl(client, new UploadPartCommand({ ...upload, PartNumber: 1, ChecksumCRC32C: checksumOf(body) }), {
      expiresIn: 600,
    });
    expect(hoisted).toMatch(/x-amz-checksum-crc32c=/i);
    const response = await fetch(hoisted, { method: "PUT", body: flipped(body) });
    expect(response.status).toBe(200);
  });
});

describe("PutObject", () => {
  test("Content-MD5 or a checksum that does not match is 400 BadDigest and the object already at the key stays", async () => {
    const Key = "artifacts/job/poster/0.jpg";
    const first = bytesOf(3000, 12);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: first, ChecksumCRC32C: checksumOf(first) }));
    const second = bytesOf(3000, 13);
    const attempts = {
      md5: { ContentMD5: md5Of(first) },
      crc32c: { ChecksumCRC32C: checksumOf(first) },
      sha256: { ChecksumSHA256: createHash("sha256").update(first).digest("base64") },
      sha1: { ChecksumSHA1: createHash("sha1").update(first).digest("base64") },
    };
    for (const [name, digest] of Object.entries(attempts)) {
      expect(await refusal(client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: second, ...digest }))), name).toBe("400 BadDigest");
    }
    expect(Buffer.from(await stored(Key))).toEqual(Buffer.from(first));
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key, Body: second, ChecksumSHA256: createHash("sha256").update(second).digest("base64") }),
    );
    expect(Buffer.from(await stored(Key))).toEqual(Buffer.from(second));
  });

  test("the Content-MD5 message is S3's", async () => {
    const body = bytesOf(10, 14);
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: "k", ContentMD5: md5Of(body) }), { expiresIn: 600 });
    const response = await fetch(url, { method: "PUT", body: flipped(body, 3), headers: { "content-md5": md5Of(body) } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("The Content-MD5 you specified did not match what we received.");
  });
});

describe("storedObjectPath", () => {
  test("names the file that holds an object's bytes: bytes changed there behind the server's back are served as they are", async () => {
    const Key = "sources/behind/source";
    const body = bytesOf(500, 15);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: body }));
    const path = storedObjectPath(s3, Key);
    expect(Buffer.from(await readFile(path))).toEqual(Buffer.from(body));
    await writeFile(path, flipped(body));
    expect(Buffer.from(await stored(Key))).toEqual(Buffer.from(flipped(body)));
  });
});
