/**
 * An in-memory stand-in for R2 and for the Convex upload functions: the backend signs fake
 * URLs (part number, Content-MD5 and expiry in the query), the storage checks them like R2
 * would and keeps the bytes it received, and `completeUpload` assembles the object from the
 * parts the backend recorded — so a test can compare the result with the file byte for byte.
 */
import { createHash } from "node:crypto";
import type { PartPutResponse } from "../partTransport";
import { unquoteEtag } from "../retryPolicy";
import type {
  PartPlan,
  PartUrlRequest,
  RecordedPart,
  SignedPartUrl,
  UploadBackend,
  UploadSession,
} from "../uploadBackend";

const md5 = (bytes: Uint8Array, encoding: "hex" | "base64") => createHash("md5").update(bytes).digest(encoding);

export class FakeStorage {
  readonly parts = new Map<number, { bytes: Uint8Array; etag: string }>();
  aborted = false;

  constructor(
    readonly now: () => number,
    /** s3rver does not check a body against its Content-MD5; R2 does. */
    readonly verifiesContentMd5 = true,
  ) {}

  /** Handles a PUT that reached storage with these bytes. */
  receive(url: string, headers: Readonly<Record<string, string>>, bytes: Uint8Array): PartPutResponse {
    const query = new URL(url).searchParams;
    const partNumber = Number(query.get("partNumber"));
    const signedMd5 = query.get("contentMd5");
    if (this.aborted) return { status: 404, etag: null, errorCode: "NoSuchUpload" };
    if (this.now() > Number(query.get("expires"))) return { status: 403, etag: null, errorCode: "AccessDenied" };
    if (signedMd5 !== null && headers["Content-MD5"] !== signedMd5) {
      return { status: 403, etag: null, errorCode: "SignatureDoesNotMatch" };
    }
    if (signedMd5 !== null && this.verifiesContentMd5 && md5(bytes, "base64") !== signedMd5) {
      return { status: 400, etag: null, errorCode: "BadDigest" };
    }
    const etag = `"${md5(bytes, "hex")}"`;
    this.parts.set(partNumber, { bytes: bytes.slice(), etag });
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

type Call = { method: string; args: unknown };

export class FakeUploadBackend implements UploadBackend {
  readonly calls: Call[] = [];
  readonly reportCounts = new Map<number, number>();
  readonly recorded = new Map<number, RecordedPart>();
  sha256: string | null = null;
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

  async prepareUpload(args: Parameters<UploadBackend["prepareUpload"]>[0]): Promise<PartPlan> {
    await this.enter("prepareUpload", args);
    this.fileSize = args.file.size;
    this.plan = { partSize: this.setup.partSize, partCount: Math.max(1, Math.ceil(args.file.size / this.setup.partSize)) };
    return this.plan;
  }

  async getUploadPartUrls(args: { jobId: string; parts: PartUrlRequest[] }): Promise<{ urls: SignedPartUrl[] }> {
    await this.enter("getUploadPartUrls", args);
    if (args.parts.length > 100) throw new Error("at most 100 parts per call");
    const expiresAt = this.setup.storage.now() + this.urlTtlMs;
    return {
      urls: args.parts.map(({ partNumber, contentMd5 }) => {
        const query = new URLSearchParams({ partNumber: String(partNumber), expires: String(expiresAt) });
        if (contentMd5) query.set("contentMd5", contentMd5);
        return {
          partNumber,
          url: `https://storage.test/bucket/key?${query.toString()}`,
          expiresInMs: this.urlTtlMs,
          headers: contentMd5 ? { "content-md5": contentMd5 } : undefined,
        };
      }),
    };
  }

  async reportUploadedPart(args: { jobId: string; partNumber: number; etag: string; size: number }): Promise<null> {
    await this.enter("reportUploadedPart", args);
    const plan = this.plan!;
    const plannedSize = Math.min(plan.partSize, this.fileSize - (args.partNumber - 1) * plan.partSize);
    if (args.size !== plannedSize) throw new Error(`part ${args.partNumber} has ${plannedSize} bytes, not ${args.size}`);
    this.reportCounts.set(args.partNumber, (this.reportCounts.get(args.partNumber) ?? 0) + 1);
    this.recorded.set(args.partNumber, { partNumber: args.partNumber, etag: args.etag, size: args.size });
    return null;
  }

  async recordFileSha256(args: { jobId: string; sha256: string }): Promise<null> {
    await this.enter("recordFileSha256", args);
    this.sha256 = args.sha256;
    return null;
  }

  /** Like CompleteMultipartUpload: every part recorded, and each recorded ETag is what storage holds. */
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
