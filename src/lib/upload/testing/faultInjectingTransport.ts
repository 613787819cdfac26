/**
 * A PartTransport that delivers bodies to a FakeStorage and injects faults on cue: connection
 * drops, HTTP errors, stalls, a hidden ETag, bytes altered in flight, a checksum header other than
 * the signed one, the browser going offline.
 */
import type { PartPutRequest, PartPutResponse, PartTransport } from "../core/partTransport";
import type { FakeStorage } from "./fakeStorage";
import type { ManualNetworkStatus } from "./manualNetworkStatus";

export type Fault =
  | "drop"
  | "drop_after_progress"
  | "http500"
  | "http503"
  | "http408"
  | "http429"
  | "http400"
  | "expired403"
  | "stall"
  | "missing_etag"
  | "alter_bytes"
  | "swap_checksum"
  | "go_offline";

/** Which fault, if any, the `attempt`-th request (from 1) for a part meets. */
export type FaultPlan = (request: { partNumber: number; attempt: number }) => Fault | null;

export class FaultInjectingTransport implements PartTransport {
  readonly attemptsByPart = new Map<number, number>();
  readonly faultsInjected: Fault[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Requests that reached storage (or an injected fault) with an already-expired URL. */
  expiredUrlsSeen = 0;

  constructor(
    private readonly storage: FakeStorage,
    private readonly faults: FaultPlan = () => null,
    private readonly network?: ManualNetworkStatus,
    /** How long an offline spell lasts. */
    private readonly offlineForMs = 20,
  ) {}

  get totalAttempts(): number {
    let total = 0;
    for (const attempts of this.attemptsByPart.values()) total += attempts;
    return total;
  }

  async putPart(request: PartPutRequest): Promise<PartPutResponse> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.deliver(request);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async deliver({ url, body, headers, onProgress, signal }: PartPutRequest): Promise<PartPutResponse> {
    const query = new URL(url).searchParams;
    const partNumber = Number(query.get("partNumber"));
    if (this.storage.now() > Number(query.get("expires"))) this.expiredUrlsSeen += 1;
    const attempt = (this.attemptsByPart.get(partNumber) ?? 0) + 1;
    this.attemptsByPart.set(partNumber, attempt);
    const fault = this.faults({ partNumber, attempt });
    if (fault) this.faultsInjected.push(fault);

    const bytes = new Uint8Array(await body.arrayBuffer());
    const half = Math.floor(bytes.length / 2);
    await tick(signal);
    switch (fault) {
      case "drop":
        throw new Error("connection reset");
      case "drop_after_progress":
        onProgress(half);
        await tick(signal);
        throw new Error("connection reset");
      case "stall":
        onProgress(half);
        return await new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        );
      case "go_offline":
        onProgress(half);
        this.network?.set(false);
        setTimeout(() => this.network?.set(true), this.offlineForMs);
        throw new Error("network changed");
      case "http500":
        return { status: 500, etag: null, errorCode: "InternalError" };
      case "http503":
        return { status: 503, etag: null, errorCode: "SlowDown" };
      case "http408":
        return { status: 408, etag: null, errorCode: "RequestTimeout" };
      case "http429":
        return { status: 429, etag: null };
      case "http400":
        return { status: 400, etag: null, errorCode: "InvalidArgument" };
      case "expired403":
        return { status: 403, etag: null, errorCode: "AccessDenied" };
      default:
        break;
    }
    onProgress(half);
    await tick(signal);
    onProgress(bytes.length);
    await tick(signal);
    const received = fault === "alter_bytes" ? withOneByteFlipped(bytes) : bytes;
    const sentHeaders = fault === "swap_checksum" ? { ...headers, "x-amz-checksum-crc32c": "AAAAAA==" } : headers;
    const response = this.storage.receive(url, sentHeaders, received);
    return fault === "missing_etag" && response.status === 200 ? { ...response, etag: null } : response;
  }
}

/** A macrotask, like a network event; rejects if the request was aborted meanwhile. */
async function tick(signal: AbortSignal): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  signal.throwIfAborted();
}

function withOneByteFlipped(bytes: Uint8Array): Uint8Array {
  const altered = bytes.slice();
  if (altered.length > 0) altered[altered.length >> 1] = altered[altered.length >> 1]! ^ 0xff;
  return altered;
}
