/**
 * A `PartTransport` for Node (drills and benchmarks that run the engine outside a browser): the
 * same PUT the browser's XHR transport makes — the presigned URL, exactly the signed headers, the
 * part's bytes as the body — made with `fetch`. `fetch` reports no upload progress, so the part's
 * bytes count as sent once storage answers. Counts what it did, for the caller to assert.
 */
import type { PartPutRequest, PartPutResponse, PartTransport } from "../core/partTransport";

export class FetchPartTransport implements PartTransport {
  /** PUTs that got an answer, by HTTP status. */
  readonly answersByStatus = new Map<number, number>();
  /** Body bytes of PUTs storage answered with 2xx. */
  bytesAccepted = 0;

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  async putPart({ url, body, headers, onProgress, signal }: PartPutRequest): Promise<PartPutResponse> {
    signal.throwIfAborted();
    const response = await this.fetchImpl(url, { method: "PUT", body, headers: { ...headers }, signal });
    // Read the body whatever the status, so the connection is free for the next part.
    const text = await response.text();
    this.answersByStatus.set(response.status, (this.answersByStatus.get(response.status) ?? 0) + 1);
    if (response.ok) {
      this.bytesAccepted += body.size;
      onProgress(body.size);
    }
    return {
      status: response.status,
      etag: response.headers.get("etag"),
      errorCode: response.status >= 300 ? /<Code>([^<]+)<\/Code>/.exec(text)?.[1] : undefined,
    };
  }
}
