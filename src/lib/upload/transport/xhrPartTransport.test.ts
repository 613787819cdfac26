import { describe, expect, it } from "vitest";
import { XhrPartTransport } from "./xhrPartTransport";

/** Just enough of XMLHttpRequest for the transport; the test plays the server. */
class FakeXhr {
  status = 0;
  responseText = "";
  readonly upload: { onprogress: ((event: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  readonly requestHeaders: Record<string, string> = {};
  responseHeaders: Record<string, string> = {};
  opened: [string, string] | null = null;
  sent: Blob | null = null;
  aborted = false;

  open(method: string, url: string): void {
    this.opened = [method, url];
  }
  setRequestHeader(name: string, value: string): void {
    this.requestHeaders[name] = value;
  }
  getResponseHeader(name: string): string | null {
    return this.responseHeaders[name.toLowerCase()] ?? null;
  }
  send(body: Blob): void {
    this.sent = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }
  respond(status: number, headers: Record<string, string> = {}, body = ""): void {
    this.status = status;
    this.responseHeaders = headers;
    this.responseText = body;
    this.onload?.();
  }
}

function transportWith(xhr: FakeXhr) {
  return new XhrPartTransport(() => xhr as unknown as XMLHttpRequest);
}

const body = new Blob(["part bytes"]);

describe("XhrPartTransport", () => {
  it("PUTs the body with the signed headers, reports progress and returns status and ETag", async () => {
    const xhr = new FakeXhr();
    const progress: number[] = [];
    const put = transportWith(xhr).putPart({
      url: "https://account.r2.cloudflarestorage.com/bucket/key?partNumber=1",
      body,
      headers: { "Content-MD5": "abc==" },
      onProgress: (loaded) => progress.push(loaded),
      signal: new AbortController().signal,
    });
    expect(xhr.opened).toEqual(["PUT", "https://account.r2.cloudflarestorage.com/bucket/key?partNumber=1"]);
    expect(xhr.requestHeaders).toEqual({ "Content-MD5": "abc==" });
    expect(xhr.sent).toBe(body);
    xhr.upload.onprogress?.({ loaded: 4 });
    xhr.upload.onprogress?.({ loaded: 10 });
    xhr.respond(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    await expect(put).resolves.toEqual({ status: 200, etag: '"d41d8cd98f00b204e9800998ecf8427e"', errorCode: undefined });
    expect(progress).toEqual([4, 10]);
  });

  it("returns a null ETag when CORS hides the header", async () => {
    const xhr = new FakeXhr();
    const put = transportWith(xhr).putPart({ url: "https://s.test/k", body, headers: {}, onProgress: () => {}, signal: new AbortController().signal });
    xhr.respond(200);
    await expect(put).resolves.toMatchObject({ status: 200, etag: null });
  });

  it("reads the S3 error code of an error response", async () => {
    const xhr = new FakeXhr();
    const put = transportWith(xhr).putPart({ url: "https://s.test/k", body, headers: {}, onProgress: () => {}, signal: new AbortController().signal });
    xhr.respond(400, {}, "<?xml version=\"1.0\"?><Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match</Message></Error>");
    await expect(put).resolves.toEqual({ status: 400, etag: null, errorCode: "BadDigest" });
  });

  it("rejects on a network error", async () => {
    const xhr = new FakeXhr();
    const put = transportWith(xhr).putPart({ url: "https://s.test/k", body, headers: {}, onProgress: () => {}, signal: new AbortController().signal });
    xhr.onerror?.();
    await expect(put).rejects.toThrow(/Network error while uploading to s\.test/);
  });

  it("aborts the request when the signal aborts, and rejects with its reason", async () => {
    const xhr = new FakeXhr();
    const controller = new AbortController();
    const put = transportWith(xhr).putPart({ url: "https://s.test/k", body, headers: {}, onProgress: () => {}, signal: controller.signal });
    controller.abort(new Error("paused"));
    await expect(put).rejects.toThrow("paused");
    expect(xhr.aborted).toBe(true);
  });

  it("does not even open a request for an already-aborted signal", async () => {
    const xhr = new FakeXhr();
    const controller = new AbortController();
    controller.abort(new Error("canceled"));
    await expect(
      transportWith(xhr).putPart({ url: "https://s.test/k", body, headers: {}, onProgress: () => {}, signal: controller.signal }),
    ).rejects.toThrow("canceled");
    expect(xhr.opened).toBeNull();
  });

  it("rejects instead of throwing when the request cannot even be opened", async () => {
    const xhr = new FakeXhr();
    xhr.open = () => {
      throw new SyntaxError("Invalid URL");
    };
    await expect(
      transportWith(xhr).putPart({ url: "not a url", body, headers: {}, onProgress: () => {}, signal: new AbortController().signal }),
    ).rejects.toThrow("Invalid URL");
  });
});
