/**
 * An in-memory stand-in for R2 and for the Convex upload functions: the backend signs fake
 * URLs (part number, CRC32C and expiry in the query; the checksum also as the header the PUT
 * must send), the storage checks them like R2 would (the header against the signature: 403;
 * the body against the checksum: 400 BadDigest) and keeps the bytes it received, and
 * `completeUpload` assembles the object from the parts the backend recorded, checking each
 * recorded checksum — so a test can compare the result with the file byte for byte.
 */
import { createHash } from "node:crypto";
import { crc32c, crc32cToBase64, isCrc32cChecksum } from "../../../../convex/lib/crc32c";
import type { PartPutResponse } from "../core/partTransport";
import type {
  PartPlan,
  PartUrlRequest,
  PreparedUpload,
  RecordedPart,
  SignedPartUrl,
  UploadBackend,
  UploadSession,
} from "../core/uploadBackend";

const CHECKSUM_HEADER = "x-amz-checksum-crc32c";

/** The part's `x-amz-checksum-crc32c` value. */
export const checksumOf = (bytes: Uint8Array): string => crc32cToBase64(crc32c(bytes));

/** The ETag's opaque value without the quotes HTTP wraps it in. */
const unquoteEtag = (etag: string) => etag.trim().replace(/^"(.*)"$/, "$1");

export class FakeStorage {
  readonly parts = new Map<number, { bytes: Uint8Array; etag: string; checksum: string }>();
  aborted = false;

  constructor(readonly now: () => number) {}

  /** Handles a PUT that reached storage with these bytes. */
  receive(url: string, headers: Readonly<Record<string, string>>, bytes: Uint8Array): PartPutResponse {
    const query = new URL(url).searchParams;
    const partNumber = Number(query.get("partNumber"));
    const signedChecksum = query.get("checksumCrc32c");
    if (this.aborted) return { status: 404, etag: null, errorCode: "NoSuchUpload" };
    if (this.now() > Number(query.get("expires"))) return { status: 403, etag: null, errorCode: "AccessDenied" };
    // A signed header is part of the signature: another value (or none) does not match it.
    const sentChecksum = Object.entries(headers).find(([name]) => name.toLowerCase() === CHECKSUM_HEADER)?.[1] ?? null;
    if (sentChecksum !== signedChecksum) return { status: 403, etag: null, errorCode: "SignatureDoesNotMatch" };
    const checksum = checksumOf(bytes);
    if (signedChecksum !== null && checksum !== signedChecksum) return { status: 400, etag: null, errorCode: "BadDigest" };
    const etag = `"${createHash("md5").update(bytes).digest("hex")}"`;
    this.parts.set(partNumber, { bytes: bytes.slice(), etag, checksum });
    return { status: 200, etag };
  }
}

export interface FakeBackendSetup {
  storage: FakeStorage;
  partSize: number;
  urlTtlMs?: number;
  /** What `expectedPartSize` announces; defaults to `partSize`. */
  announcedPartSize?: number;
  /** An unfinished upload to resume. */
  session?: FakeSession | null;
}

/** An unfinished upload as the fake server holds it: its recorded parts with their ETags. */
export type FakeSession = Omit<UploadSession, "recordedPartNumbers"> & { parts: RecordedPart[] };

type RecordedPartWithChecksum = RecordedPart & { checksumCrc32c?: string };

type Call = { method: string; args: unknown };

export class FakeUploadBackend implements UploadBackend {
  readonly calls: Call[] = [];
  readonly reportCounts = new Map<number, number>();
  readonly recorded = new Map<number, RecordedPartWithChecksum>();
  completedObject: Uint8Array | null = null;
  /** Set to make a method reject. */
  readonly failures = new Map<string, unknown>();
  private plan: PartPlan | null = null;
  private fileSize = 0;
  private readonly urlTtlMs: number;

  constructor(private readonly setup: FakeBackendSetup) {
    this.urlTtlMs = setup.urlTtlMs ?? 15 * 60_000;
    if (setup.session) {
      this.plan = { partSize: setup.session.partSize, partCount: setup.session.partCount };
      this.fileSize = setup.session.fingerprint.size;
      for (const part of setup.session.parts) this.recorded.set(part.partNumber, part);
    }
  }

  callsTo(method: string): Call[] {
    return this.calls.filter((call) => call.method === method);
  }

  expectedPartSize(): number {
    return this.setup.announcedPartSize ?? this.setup.partSize;
  }

  async prepareUpload(args: Parameters<UploadBackend["prepareUpload"]>[0]): Promise<PreparedUpload> {
    await this.enter("prepareUpload", args);
    if (args.file.firstPartCrc32c !== undefined && !isCrc32cChecksum(args.file.firstPartCrc32c)) throw new Error("invalid_checksum");
    this.fileSize = args.file.size;
    this.plan = { partSize: this.setup.partSize, partCount: Math.max(1, Math.ceil(args.file.size / this.setup.partSize)) };
    return { ...this.plan, urls: this.sign(args.parts ?? []) };
  }

  async getUploadPartUrls(args: { jobId: string; parts: PartUrlRequest[] }): Promise<{ urls: SignedPartUrl[] }> {
    await this.enter("getUploadPartUrls", args);
    if (args.parts.length > 100) throw new Error("at most 100 parts per call");
    return { urls: this.sign(args.parts) };
  }

  /** Like the server: a malformed checksum is refused; a valid one is signed into the URL and returned as its header. */
  private sign(parts: readonly PartUrlRequest[]): SignedPartUrl[] {
    const expiresAt = this.setup.storage.now() + this.urlTtlMs;
    return parts.map(({ partNumber, checksumCrc32c }) => {
      if (checksumCrc32c !== undefined && !isCrc32cChecksum(checksumCrc32c)) throw new Error("invalid_checksum");
      const query = new URLSearchParams({ partNumber: String(partNumber), expires: String(expiresAt) });
      if (checksumCrc32c) query.set("checksumCrc32c", checksumCrc32c);
      return {
        partNumber,
        url: `https://storage.test/bucket/key?${query.toString()}`,
        expiresInMs: this.urlTtlMs,
        headers: checksumCrc32c ? { [CHECKSUM_HEADER]: checksumCrc32c } : undefined,
      };
    });
  }

  async reportUploadedPart(args: Parameters<UploadBackend["reportUploadedPart"]>[0]): Promise<null> {
    await this.enter("reportUploadedPart", args);
    const plan = this.plan!;
    const plannedSize = Math.min(plan.partSize, this.fileSize - (args.partNumber - 1) * plan.partSize);
    if (args.size !== plannedSize) throw new Error(`part ${args.partNumber} has ${plannedSize} bytes, not ${args.size}`);
    this.reportCounts.set(args.partNumber, (this.reportCounts.get(args.partNumber) ?? 0) + 1);
    this.recorded.set(args.partNumber, {
      partNumber: args.partNumber,
      etag: args.etag,
      size: args.size,
      checksumCrc32c: args.checksumCrc32c,
    });
    return null;
  }

  /** Like CompleteMultipartUpload: every part recorded, and each recorded ETag and checksum is what storage holds. */
  async completeUpload(args: { jobId: string }): Promise<null> {
    await this.enter("completeUpload", args);
    const plan = this.plan;
    if (!plan) throw new Error("no upload");
    const object = new Uint8Array(this.fileSize);
    for (let partNumber = 1; partNumber <= plan.partCount; partNumber++) {
      const recorded = this.recorded.get(partNumber);
      const stored = this.setup.storage.parts.get(partNumber);
      if (!recorded || !stored) throw new Error(`part ${partNumber} missing`);
      if (unquoteEtag(recorded.etag) !== unquoteEtag(stored.etag)) throw new Error(`InvalidPart ${partNumber}`);
      if (recorded.checksumCrc32c !== undefined && recorded.checksumCrc32c !== stored.checksum) {
        throw new Error(`InvalidPart ${partNumber}: checksum`);
      }
      object.set(stored.bytes, (partNumber - 1) * plan.partSize);
    }
    this.completedObject = object;
    return null;
  }

  async abortUpload(args: { jobId: string }): Promise<null> {
    await this.enter("abortUpload", args);
    this.setup.storage.aborted = true;
    return null;
  }

  async uploadSession(args: { jobId: string }): Promise<UploadSession | null> {
    await this.enter("uploadSession", args);
    if (!this.setup.session) return null;
    const { parts: _parts, ...session } = this.setup.session;
    return { ...session, recordedPartNumbers: [...this.recorded.keys()].sort((a, b) => a - b) };
  }

  /** Records the call, yields like a network round trip, and throws a configured failure. */
  private async enter(method: string, args: unknown): Promise<void> {
    this.calls.push({ method, args });
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.failures.has(method)) throw this.failures.get(method);
  }
}
