/**
 * How part bytes reach storage. The engine never touches XMLHttpRequest itself, so tests inject
 * transports that drop, stall or corrupt requests on cue (like tus-js-client's HttpStack).
 */

export interface PartPutRequest {
  /** The presigned UploadPart URL. */
  url: string;
  /** The part's bytes: a slice of the file, read from disk by the browser as it sends. */
  body: Blob;
  /** Headers signed into the URL (`x-amz-checksum-crc32c` among them); send exactly these. */
  headers: Readonly<Record<string, string>>;
  /** Called with the body bytes sent so far. */
  onProgress: (loadedBytes: number) => void;
  /** Aborting it stops the request; the promise then rejects. */
  signal: AbortSignal;
}

export interface PartPutResponse {
  /** The HTTP status storage answered with. */
  status: number;
  /** The ETag response header as sent (quotes included), or null when the browser cannot see it. */
  etag: string | null;
  /** The S3 error `<Code>` from an error response body (`BadDigest`, `NoSuchUpload`, …), when readable. */
  errorCode?: string;
}

export interface PartTransport {
  /** Resolves with storage's answer whatever its status; rejects only when no answer arrived (network failure or abort). */
  putPart(request: PartPutRequest): Promise<PartPutResponse>;
}
