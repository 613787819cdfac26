/**
 * Checksums on the embedded S3 server, as R2 checks them (s3rver checks none):
 *
 * - PutObject and UploadPart compare the body they received with the request's `Content-MD5`
 *   and its `x-amz-checksum-<algorithm>` header: a mismatch answers 400 `BadDigest` and stores
 *   nothing (the body goes to a temporary file, renamed into place only once it matched, so an
 *   earlier part with the same number stays). A malformed checksum value answers 400
 *   `InvalidRequest`, a malformed `Content-MD5` 400 `InvalidDigest`, two checksum headers 400
 *   `InvalidRequest`. UploadPart verifies CRC32 and CRC32C and answers 501 `NotImplemented` to
 *   SHA-1 and SHA-256, as R2 was seen to (design.md, Integrity); PutObject verifies all four.
 *   CRC64NVME gets 501 here on both (R2 takes it; this server does not compute it).
 * - Only real request headers count: a checksum hoisted into a presigned URL's query string is
 *   ignored, as AWS ignores it (s3rver copies `x-amz-*` query parameters into the headers for
 *   its signature check; the headers are read before that).
 * - CreateMultipartUpload takes `x-amz-checksum-algorithm` (CRC32, CRC32C, CRC64NVME, SHA1,
 *   SHA256; anything else 400 `InvalidRequest`) and echoes it; a part then carrying another
 *   algorithm's checksum is refused (400 `InvalidRequest`, S3's "Checksum Type mismatch"). A
 *   part with no checksum is still taken.
 * - UploadPart to an upload this server does not have, or under another key, answers 404
 *   `NoSuchUpload` (s3rver created the upload's folder and took the part).
 * - CompleteMultipartUpload answers `NoSuchUpload` likewise, `InvalidPartOrder` for part numbers
 *   not in ascending order, and `InvalidPart` for a part that was not uploaded, whose `ETag`
 *   differs from the stored part's, or whose `ChecksumCRC32C` differs from the part's CRC32C.
 *   When every part names its CRC32C, the result carries S3's composite `ChecksumCRC32C`
 *   (`<base64>-<part count>`) and `ChecksumType` COMPOSITE.
 *
 * Hashing here uses hash-wasm and node:crypto, not `convex/lib/crc32c.ts`'s CRC32C, so the
 * server checks the project's checksums with an implementation of its own, as R2 does.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { createCRC32 } from "hash-wasm";
import { CRC32C_POLYNOMIAL, isCrc32cChecksum, s3CompositeCrc32c } from "../../convex/lib/crc32c";
import { findUpload, S3Error, useBeforeRoutes, type KoaApp, type KoaContext, type S3rverStore } from "./s3rverApp";

const ALGORITHMS = {
  crc32: { s3Name: "CRC32", bytes: 4 },
  crc32c: { s3Name: "CRC32C", bytes: 4 },
  crc64nvme: { s3Name: "CRC64NVME", bytes: 8 },
  sha1: { s3Name: "SHA1", bytes: 20 },
  sha256: { s3Name: "SHA256", bytes: 32 },
} as const;
type ChecksumAlgorithm = keyof typeof ALGORITHMS;
type Operation = "PutObject" | "UploadPart";
const VERIFIED: Readonly<Record<Operation, readonly ChecksumAlgorithm[]>> = {
  PutObject: ["crc32", "crc32c", "sha1", "sha256"],
  UploadPart: ["crc32", "crc32c"],
};
/** `x-amz-checksum-*` request headers that carry no checksum. */
const NOT_CHECKSUMS = new Set(["x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode"]);
const CHECKSUM_PREFIX = "x-amz-checksum-";

type Headers = KoaContext["headers"];
type Checksum = { algorithm: ChecksumAlgorithm; value: string };
type Expected = { contentMd5?: string; checksum?: Checksum };

const isAlgorithm = (name: string): name is ChecksumAlgorithm => Object.hasOwn(ALGORITHMS, name);

/** True when `value` is the base64 of exactly `bytes` bytes, written the one canonical way. */
function isBase64Of(value: string, bytes: number): boolean {
  const decoded = Buffer.from(value, "base64");
  return decoded.length === bytes && decoded.toString("base64") === value;
}

/** The digests a PutObject or UploadPart request says its body has, checked for form. */
function expectedDigests(headers: Headers, operation: Operation): Expected {
  const expected: Expected = {};
  const md5 = headers["content-md5"];
  if (md5 !== undefined) {
    if (typeof md5 !== "string" || !isBase64Of(md5, 16)) throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.");
    expected.contentMd5 = md5;
  }
  const names = Object.keys(headers).filter((name) => name.startsWith(CHECKSUM_PREFIX) && !NOT_CHECKSUMS.has(name));
  if (names.length > 1) {
    throw new S3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  }
  if (names.length === 0) return expected;
  const name = names[0]!;
  const algorithm = name.slice(CHECKSUM_PREFIX.length);
  if (!isAlgorithm(algorithm)) throw new S3Error("InvalidRequest", `${name} is not a checksum header S3 knows.`);
  const value = headers[name];
  if (typeof value !== "string" || !isBase64Of(value, ALGORITHMS[algorithm].bytes)) {
    throw new S3Error("InvalidRequest", `Value for ${name} header is invalid.`);
  }
  if (!VERIFIED[operation].includes(algorithm)) {
    throw new S3Error("NotImplemented", `A header you provided implies functionality that is not implemented: ${name} on ${operation}.`);
  }
  expected.checksum = { algorithm, value };
  return expected;
}

type Digest = { update(chunk: Uint8Array): void; base64(): string };

async function startDigest(algorithm: ChecksumAlgorithm): Promise<Digest> {
  if (algorithm === "crc32" || algorithm === "crc32c") {
    const crc = await createCRC32(algorithm === "crc32c" ? CRC32C_POLYNOMIAL : 0xedb88320);
    crc.init();
    return { update: (chunk) => crc.update(chunk), base64: () => Buffer.from(crc.digest("hex"), "hex").toString("base64") };
  }
  const hash = createHash(algorithm);
  return { update: (chunk) => hash.update(chunk), base64: () => hash.digest("base64") };
}

async function crc32cOfFile(path: string): Promise<string> {
  const digest = await startDigest("crc32c");
  for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
  return digest.base64();
}

/**
 * Writes `content` to `path` through a temporary file that is renamed into place only when the
 * body matched what the request said; returns its size, MD5 (hex, s3rver's ETag) and checksum.
 */
async function writeVerified(
  store: S3rverStore,
  path: string,
  content: NodeJS.ReadableStream,
  expected: Expected,
): Promise<{ size: number; md5: string; checksum?: Checksum }> {
  const { checksum } = expected;
  const digest = checksum === undefined ? null : await startDigest(checksum.algorithm);
  let body = content;
  if (digest !== null) {
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        digest.update(chunk);
        done(null, chunk);
      },
    });
    content.on("error", (error: Error) => hashing.destroy(error));
    body = content.pipe(hashing);
  }
  const incoming = `${path}.incoming-${randomBytes(8).toString("hex")}`;
  try {
    const [size, md5] = await store.putContent(incoming, body);
    if (expected.contentMd5 !== undefined && Buffer.from(md5, "hex").toString("base64") !== expected.contentMd5) {
      throw new S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.", {
        ExpectedDigest: expected.contentMd5,
        CalculatedDigest: Buffer.from(md5, "hex").toString("base64"),
      });
    }
    if (checksum !== undefined && digest !== null) {
      const calculated = digest.base64();
      if (calculated !== checksum.value) {
        throw new S3Error("BadDigest", `The ${ALGORITHMS[checksum.algorithm].s3Name} you specified did not match the calculated checksum.`);
      }
    }
    await rename(incoming, path);
    return { size, md5, ...(checksum === undefined ? {} : { checksum }) };
  } catch (error) {
    await rm(incoming, { force: true });
    throw error;
  }
}

function partNumberOf(value: unknown): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 10_000) {
    throw new S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
  }
  return number;
}

type ListedPart = { PartNumber?: unknown; ETag?: unknown; ChecksumCRC32C?: unknown };

/**
 * Checks a CompleteMultipartUpload's part list against the stored parts; returns the composite
 * CRC32C when every part names its CRC32C.
 */
async function checkListedParts(store: S3rverStore, uploadDir: string, body: unknown): Promise<string | undefined> {
  const listed = ([] as ListedPart[]).concat(
    (body as { CompleteMultipartUpload?: { Part?: ListedPart | ListedPart[] } } | undefined)?.CompleteMultipartUpload?.Part ?? [],
  );
  const checksums: string[] = [];
  let previous = 0;
  for (const part of listed) {
    const number = partNumberOf(part.PartNumber);
    if (number <= previous) {
      throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
    }
    previous = number;
    const path = join(uploadDir, String(number));
    const storedMd5 = await readFile(`${path}.md5`, "utf8").catch(() => null);
    if (storedMd5 === null || String(part.ETag ?? "").replace(/"/g, "") !== storedMd5) {
      throw new S3Error(
        "InvalidPart",
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { PartNumber: String(number) },
      );
    }
    if (part.ChecksumCRC32C === undefined) continue;
    const named = String(part.ChecksumCRC32C);
    const stored = await readFile(`${path}.crc32c`, "utf8").catch(() => crc32cOfFile(path));
    if (!isCrc32cChecksum(named) || named !== stored) {
      throw new S3Error("InvalidPart", `The ChecksumCRC32C of part ${number} does not match the part's CRC32C.`, { PartNumber: String(number) });
    }
    checksums.push(named);
  }
  return checksums.length === listed.length && listed.length > 0 ? s3CompositeCrc32c(checksums) : undefined;
}

/** A store for one request whose writes verify against that request's own headers (`sent`). */
function verifyingStore(base: S3rverStore, ctx: KoaContext, sent: Headers, onSuccess: (finish: () => void) => void): S3rverStore {
  const store = Object.create(base) as S3rverStore;
  const bucketAndKey = () => ({ bucket: ctx.params?.bucket ?? "", key: ctx.params?.key });

  store.initiateUpload = async (bucket, key, uploadId, metadata) => {
    const algorithm = sent["x-amz-checksum-algorithm"];
    if (algorithm !== undefined) {
      if (typeof algorithm !== "string" || !isAlgorithm(algorithm.toLowerCase())) {
        throw new S3Error(
          "InvalidRequest",
          "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
        );
      }
      onSuccess(() => ctx.set("x-amz-checksum-algorithm", algorithm.toUpperCase()));
    }
    await base.initiateUpload(bucket, key, uploadId, metadata);
  };

  store.putObject = async (object) => {
    const expected = expectedDigests(sent, "PutObject");
    const objectPath = base.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true });
    const { size, md5, checksum } = await writeVerified(base, objectPath, object.content, expected);
    await base.putMetadata(object.bucket, object.key, object.metadata, md5);
    if (checksum !== undefined) onSuccess(() => ctx.set(`${CHECKSUM_PREFIX}${checksum.algorithm}`, checksum.value));
    return { size, md5 };
  };

  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const upload = await findUpload(base, bucket, bucketAndKey().key, uploadId);
    const number = partNumberOf(partNumber);
    const expected = expectedDigests(sent, "UploadPart");
    if (upload.algorithm !== undefined && expected.checksum !== undefined && expected.checksum.algorithm !== upload.algorithm) {
      throw new S3Error(
        "InvalidRequest",
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm}, actual checksum Type: ${expected.checksum.algorithm}`,
      );
    }
    const path = join(upload.dir, String(number));
    const { size, md5, checksum } = await writeVerified(base, path, content, expected);
    await writeFile(`${path}.md5`, md5);
    // What CompleteMultipartUpload compares a part's ChecksumCRC32C with (computed then if absent).
    if (checksum?.algorithm === "crc32c") await writeFile(`${path}.crc32c`, checksum.value);
    else await rm(`${path}.crc32c`, { force: true });
    if (checksum !== undefined) onSuccess(() => ctx.set(`${CHECKSUM_PREFIX}${checksum.algorithm}`, checksum.value));
    return { size, md5 };
  };

  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const upload = await findUpload(base, bucket, bucketAndKey().key, uploadId);
    const composite = await checkListedParts(base, upload.dir, ctx.request.body);
    const result = await base.putObjectMultipart(bucket, uploadId, parts);
    if (composite !== undefined) {
      onSuccess(() => {
        const answer = (ctx.body as { CompleteMultipartUploadResult?: Record<string, unknown> } | null)?.CompleteMultipartUploadResult;
        if (answer !== undefined) Object.assign(answer, { ChecksumCRC32C: composite, ChecksumType: "COMPOSITE" });
      });
    }
    return result;
  };
  return store;
}

/** Installs the checks on s3rver's app, just before its routes (so after nothing of its own has run). */
export function verifyChecksumsLikeR2(app: KoaApp): void {
  useBeforeRoutes(app, async (ctx, next) => {
    if (ctx.method !== "PUT" && ctx.method !== "POST") return next();
    // Copied before s3rver's signature check merges x-amz-* query parameters into the headers.
    const sent = { ...ctx.headers };
    const finishing: Array<() => void> = [];
    ctx.store = verifyingStore(app.store, ctx, sent, (finish) => finishing.push(finish));
    try {
      await next();
    } catch (error) {
      // A refusal that came before the body was read: read it anyway, so the client, still
      // sending, gets to read the answer instead of a reset connection.
      ctx.req.resume();
      throw error;
    }
    for (const finish of finishing) finish();
  });
}
