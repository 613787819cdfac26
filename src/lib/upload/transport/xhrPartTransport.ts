/**
 * The browser's part transport: XMLHttpRequest, because fetch cannot report upload progress.
 * Reading the ETag header needs the bucket's CORS rule to expose it; when it does not, the
 * browser hides the header and this transport reports `etag: null`.
 */
import type { PartPutRequest, PartPutResponse, PartTransport } from "../core/partTransport";

export class XhrPartTransport implements PartTransport {
  constructor(private readonly createRequest: () => XMLHttpRequest = () => new XMLHttpRequest()) {}

  putPart({ url, body, headers, onProgress, signal }: PartPutRequest): Promise<PartPutResponse> {
    return new Promise<PartPutResponse>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const xhr = this.createRequest();
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        finish();
      };
      const onAbort = () => {
        // Settle first: some browsers fire no abort event for a request that already finished.
        settle(() => reject(signal.reason));
        xhr.abort();
      };
      signal.addEventListener("abort", onAbort, { once: true });

      xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () =>
        settle(() =>
          resolve({
            status: xhr.status,
            etag: xhr.getResponseHeader("ETag"),
            errorCode: xhr.status >= 300 ? s3ErrorCode(xhr.responseText) : undefined,
          }),
        );
      xhr.onerror = () => settle(() => reject(new Error(`Network error while uploading to ${hostOf(url)}`)));
      xhr.ontimeout = xhr.onerror;
      xhr.onabort = () => settle(() => reject(signal.reason ?? new Error("Upload request aborted")));

      try {
        xhr.open("PUT", url);
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
        xhr.send(body);
      } catch (error) {
        settle(() => reject(error));
      }
    });
  }
}

/** The `<Code>` of an S3 XML error body, e.g. `BadDigest`. */
function s3ErrorCode(responseText: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(responseText)?.[1];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "storage";
  }
}
