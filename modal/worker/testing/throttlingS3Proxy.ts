/**
 * A slow-down proxy in front of the embedded S3 server, for worker tests that need a phase to
 * last long enough to act in it (a kill "during download", "during artifact upload"). Start it
 * before the stack and give its URL to the Convex functions as `R2_ENDPOINT`: presigned URLs
 * are then signed for the proxy's host, requests go on to s3rver with the Host header
 * unchanged, and the SigV4 signatures still verify. Point it at s3rver with `setUpstream` once
 * the stack is up.
 *
 * Transparent unless told otherwise with `slowDown`:
 *   sourceBytesPerSecond  GETs of `sources/…` (the worker's download) are paced to this rate
 *   artifactPutDelayMs    PUTs of `artifacts/…` (the worker's uploads) wait this long first
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export type SlowDown = { sourceBytesPerSecond?: number; artifactPutDelayMs?: number };

export type SourceDownload = { path: string; bytesSent: number; finished: boolean };

export type ThrottlingS3Proxy = {
  url: string;
  setUpstream(url: string): void;
  slowDown(rules: SlowDown): void;
  /** Every source GET so far, oldest first, with how far it got. */
  sourceDownloads(): readonly SourceDownload[];
  close(): Promise<void>;
};

const CHUNK_BYTES = 16 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startThrottlingS3Proxy(): Promise<ThrottlingS3Proxy> {
  let upstream: URL | undefined;
  let rules: SlowDown = {};
  const downloads: SourceDownload[] = [];

  async function forward(req: IncomingMessage, res: ServerResponse) {
    if (upstream === undefined) throw new Error("the proxy has no upstream yet");
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    const isSourceGet = req.method === "GET" && path.includes("/sources/");
    const isArtifactPut = req.method === "PUT" && path.includes("/artifacts/");
    const putDelay = isArtifactPut ? (rules.artifactPutDelayMs ?? 0) : 0;
    if (putDelay > 0) await sleep(putDelay);
    const upstreamRes = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(
        { host: upstream!.hostname, port: upstream!.port, method: req.method, path: req.url, headers: req.headers },
        resolve,
      );
      outgoing.on("error", reject);
      req.pipe(outgoing);
    });
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    const rate = isSourceGet ? rules.sourceBytesPerSecond : undefined;
    if (!isSourceGet) return await pipeline(upstreamRes, res);
    const download: SourceDownload = { path, bytesSent: 0, finished: false };
    downloads.push(download);
    await pipeline(Readable.from(paced(upstreamRes, rate, download)), res);
    download.finished = true;
  }

  const server = createServer((req, res) => {
    forward(req, res).catch(() => {
      // The client went away (a killed worker) or s3rver refused: end this exchange only.
      if (!res.headersSent) res.writeHead(502);
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream(url) {
      upstream = new URL(url);
    },
    slowDown(next) {
      rules = { ...next };
    },
    sourceDownloads: () => downloads.map((d) => ({ ...d })),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The body in small chunks, no faster than `bytesPerSecond` (when given), counting what went out. */
async function* paced(body: IncomingMessage, bytesPerSecond: number | undefined, download: SourceDownload) {
  const startedAt = Date.now();
  for await (const chunk of body as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length; offset += CHUNK_BYTES) {
      const piece = chunk.subarray(offset, offset + CHUNK_BYTES);
      if (bytesPerSecond !== undefined) {
        const wait = startedAt + ((download.bytesSent + piece.length) / bytesPerSecond) * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
      }
      download.bytesSent += piece.length;
      yield piece;
    }
  }
}
