/**
 * A fault-injecting HTTP proxy in front of the embedded S3 server. The stack's `R2_ENDPOINT` is
 * this proxy's URL, so presigned URLs are signed for its host; requests go on to s3rver with the
 * Host header unchanged, and the SigV4 signatures still verify.
 *
 * It is transparent until a spec says otherwise through the control endpoint. Only UploadPart
 * PUTs (`?partNumber=…&uploadId=…`) are ever disturbed: the browser's part uploads. Everything
 * else (CORS preflights, Convex's S3 calls, the worker's download) always passes — except during
 * an `outage`, which stops everything, as a stopped server would.
 *
 * Control (JSON over HTTP, on its own port):
 *   POST /mode    {"mode":"pass","throttleBytesPerSecond"?:n}
 *                 {"mode":"cut-random","probability":p,"seed":s,"throttleBytesPerSecond"?:n}
 *                   each part PUT is cut with probability p: mostly part-way through the body,
 *                   sometimes after storage stored it but before the browser hears back
 *                 {"mode":"corrupt-next-part-put","partNumber"?:n}
 *                   one-shot, on top of the current mode: flips one byte of the next part PUT
 *                   (of that part) and sends it on; storage checks the body against the part's
 *                   signed x-amz-checksum-crc32c, as R2 does, and answers 400 BadDigest.
 *                 {"mode":"outage","durationMs":n}
 *                   one-shot, on top of the current mode: storage goes away as a stopped server
 *                   does. The proxy closes its listening socket and destroys every open
 *                   connection (in-flight requests are reset, new ones are refused with
 *                   ECONNREFUSED), then listens again on the same port after n ms. Every request
 *                   is affected, not only part PUTs. s3rver keeps its state in this process, so
 *                   this is how "S3 was stopped and restarted" looks from the browser and from
 *                   Convex; what s3rver had stored is still there afterwards, as with R2.
 *                   Answers once the listener is closed; GET /stats tells when it is back.
 *   GET  /stats   what happened to every part PUT, and totals
 *   POST /reset   back to "pass", counters cleared, storage reachable again (an outage ends now)
 *
 * `retainSources`: DeleteObject of an uploaded source (`sources/…`) is answered 204 here and not
 * passed on. The specs upload files that are not videos; the stack's worker fails those jobs,
 * and a failed job's source is deleted (`failJob`), so without this a spec's byte-for-byte check
 * of the stored copy would race the worker. That deletion is tested against the real embedded
 * server in `convex/uploads.test.ts`.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { seededRandom } from "../../src/lib/upload/testing/seededRandom";

export type ProxyMode =
  | { mode: "pass"; throttleBytesPerSecond?: number }
  | { mode: "cut-random"; probability: number; seed: number; throttleBytesPerSecond?: number }
  | { mode: "corrupt-next-part-put"; partNumber?: number }
  | { mode: "outage"; durationMs: number };

type BaseMode = Exclude<ProxyMode, { mode: "corrupt-next-part-put" } | { mode: "outage" }>;
type PendingCorruption = { partNumber?: number };

export type PartPutOutcome =
  /** Storage answered and the answer reached the browser. */
  | "forwarded"
  /** The proxy dropped the connection part-way through the body. */
  | "cut-mid-body"
  /** Storage stored the part, then the proxy dropped the connection before the browser heard. */
  | "cut-after-stored"
  /** One byte flipped on the way; storage's answer (400 BadDigest: the checksum) is in `status`/`errorCode`. */
  | "corrupted"
  /** The browser abandoned the request (pause, reload, cancel) or storage could not be reached. */
  | "abandoned"
  /** The connection was reset by an outage (storage stopped while the request was in flight). */
  | "cut-by-outage";

export type PartPutRecord = {
  seq: number;
  uploadId: string;
  partNumber: number;
  /** Body bytes the proxy received from the browser. */
  bytesReceived: number;
  outcome: PartPutOutcome;
  /** Storage's HTTP status, when it answered. */
  status?: number;
  /** Storage's ETag, when it answered one. */
  etag?: string;
  /** The S3 error code of a corrupted part's answer (`BadDigest`), when storage refused it. */
  errorCode?: string;
  /** The x-amz-checksum-crc32c the browser sent (signed into the part's URL). */
  checksumCrc32c?: string;
  startedAt: number;
  endedAt: number;
};

export type ProxyStats = {
  mode: BaseMode;
  partPuts: PartPutRecord[];
  /** Part PUTs in progress right now. */
  inFlight: number;
  cuts: number;
  corruptions: number;
  /** Part body bytes forwarded to storage. */
  bytesForwarded: number;
  /** Outages so far, each with when the listener closed and when it listened again (0: not yet). */
  outages: Array<{ startedAt: number; endedAt: number; durationMs: number; connectionsReset: number }>;
  /** Whether storage is unreachable right now. */
  unreachable: boolean;
};

export type FaultyS3Proxy = {
  /** Use as `R2_ENDPOINT`. */
  endpoint: string;
  controlUrl: string;
  stop(): Promise<void>;
};

/** Share of cuts that happen after storage stored the part rather than part-way through. */
const CUT_AFTER_STORED_SHARE = 0.25;

export async function startFaultyS3Proxy(options: { target: string; retainSources?: boolean }): Promise<FaultyS3Proxy> {
  const target = new URL(options.target);
  let mode: BaseMode = { mode: "pass" };
  let random = () => 1;
  let pendingCorruptions: PendingCorruption[] = [];
  let stats = freshStats();
  /** Counted from the records, so requests from before a reset do not skew it. */
  const inFlight = () => stats.partPuts.filter((put) => put.endedAt === 0).length;
  let seq = 0;

  let unreachable = false;
  function freshStats(): Omit<ProxyStats, "mode" | "inFlight" | "unreachable"> {
    return { partPuts: [], cuts: 0, corruptions: 0, bytesForwarded: 0, outages: [] };
  }

  function setMode(next: Exclude<ProxyMode, { mode: "outage" }>): void {
    if (next.mode === "corrupt-next-part-put") {
      pendingCorruptions.push({ partNumber: next.partNumber });
      return;
    }
    mode = next;
    random = next.mode === "cut-random" ? seededRandom(next.seed) : () => 1;
  }

  const upstream = (req: IncomingMessage, onResponse: (response: IncomingMessage) => void) =>
    httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      onResponse,
    );

  function passThrough(req: IncomingMessage, res: ServerResponse): void {
    const forward = upstream(req, (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    });
    forward.on("error", () => res.destroy());
    res.on("close", () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  }

  function handlePartPut(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const partNumber = Number(query.get("partNumber"));
    const record: PartPutRecord = {
      seq: ++seq,
      uploadId: query.get("uploadId") ?? "",
      partNumber,
      bytesReceived: 0,
      outcome: "abandoned",
      checksumCrc32c: header(req, "x-amz-checksum-crc32c"),
      startedAt: Date.now(),
      endedAt: 0,
    };
    stats.partPuts.push(record);
    let ended = false;
    const finish = (outcome: PartPutOutcome) => {
      if (ended) return;
      ended = true;
      record.outcome = outcome === "abandoned" && unreachable ? "cut-by-outage" : outcome;
      record.endedAt = Date.now();
    };

    const corruptionIndex = pendingCorruptions.findIndex((c) => c.partNumber === undefined || c.partNumber === partNumber);
    if (corruptionIndex >= 0) {
      pendingCorruptions.splice(corruptionIndex, 1);
      corruptPart(req, res, record, finish);
      return;
    }

    const contentLength = Number(header(req, "content-length") ?? 0);
    const cut = random() < (mode.mode === "cut-random" ? mode.probability : 0);
    const cutAfterStored = cut && random() < CUT_AFTER_STORED_SHARE;
    const cutAt = cut && !cutAfterStored ? Math.floor(random() * contentLength) : Infinity;
    const throttle = mode.throttleBytesPerSecond;

    const forward = upstream(req, (response) => {
      record.status = response.statusCode;
      record.etag = response.headers.etag;
      if (cutAfterStored) {
        response.resume();
        stats.cuts += 1;
        finish("cut-after-stored");
        req.socket.destroy();
        return;
      }
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
      res.on("finish", () => finish("forwarded"));
    });
    forward.on("error", () => {
      finish("abandoned");
      res.destroy();
    });
    // The browser went away (pause, reload, cancel) before hearing the answer.
    res.on("close", () => {
      if (ended) return;
      finish("abandoned");
      forward.destroy();
    });
    req.on("data", (chunk: Buffer) => {
      if (ended) return;
      const room = cutAt - record.bytesReceived;
      if (chunk.length >= room) {
        forward.write(chunk.subarray(0, room));
        record.bytesReceived += room;
        stats.bytesForwarded += room;
        stats.cuts += 1;
        finish("cut-mid-body");
        forward.destroy();
        req.socket.destroy();
        return;
      }
      record.bytesReceived += chunk.length;
      stats.bytesForwarded += chunk.length;
      const drained = forward.write(chunk);
      if (!drained || throttle) {
        req.pause();
        let waits = (drained ? 0 : 1) + (throttle ? 1 : 0);
        const resume = () => {
          if (--waits === 0 && !ended) req.resume();
        };
        if (!drained) forward.once("drain", resume);
        if (throttle) setTimeout(resume, (chunk.length / throttle) * 1000);
      }
    });
    req.on("end", () => {
      if (!ended) forward.end();
    });
  }

  function corruptPart(
    req: IncomingMessage,
    res: ServerResponse,
    record: PartPutRecord,
    finish: (outcome: PartPutOutcome) => void,
  ): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("close", () => finish("abandoned"));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      record.bytesReceived = body.length;
      if (body.length > 0) body[body.length >> 1]! ^= 0xff;
      stats.corruptions += 1;
      const forward = upstream(req, (response) => {
        record.status = response.statusCode;
        record.etag = response.headers.etag;
        const answer: Buffer[] = [];
        response.on("data", (chunk: Buffer) => answer.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(answer);
          record.errorCode = /<Code>([^<]+)<\/Code>/.exec(text.toString("utf8"))?.[1];
          res.writeHead(response.statusCode ?? 502, response.headers);
          res.end(text);
        });
        res.on("finish", () => finish("corrupted"));
      });
      forward.on("error", () => {
        finish("abandoned");
        res.destroy();
      });
      stats.bytesForwarded += body.length;
      forward.end(body);
    });
  }

  const openSockets = new Set<Socket>();
  const proxy: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    const isPartPut = req.method === "PUT" && url.searchParams.has("partNumber") && url.searchParams.has("uploadId");
    const isSourceDelete = req.method === "DELETE" && !url.searchParams.has("uploadId") && /^\/[^/]+\/sources\//.test(url.pathname);
    if (isPartPut) handlePartPut(req, res, url.searchParams);
    else if (options.retainSources && isSourceDelete) res.writeHead(204).end();
    else passThrough(req, res);
  });
  proxy.on("connection", (socket) => {
    openSockets.add(socket);
    socket.on("close", () => openSockets.delete(socket));
  });

  const control: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && req.url === "/stats") return reply(200, { mode, inFlight: inFlight(), unreachable, ...stats });
    if (req.method === "POST" && req.url === "/reset") {
      setMode({ mode: "pass" });
      pendingCorruptions = [];
      stats = freshStats();
      void (unreachable ? restoreOutage() : Promise.resolve()).then(() => reply(200, { ok: true }));
      return;
    }
    if (req.method === "POST" && req.url === "/mode") {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        try {
          const next = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ProxyMode;
          if (next.mode === "outage") {
            startOutage(next.durationMs).then(
              () => reply(200, { ok: true }),
              (error: unknown) => reply(409, { error: String(error) }),
            );
            return;
          }
          setMode(next);
          reply(200, { ok: true });
        } catch (error) {
          reply(400, { error: String(error) });
        }
      });
      return;
    }
    reply(404, { error: "POST /mode, GET /stats or POST /reset" });
  });

  const listen = (server: Server, port = 0) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const proxyPort = await listen(proxy);
  const controlPort = await listen(control);
  let stopped = false;
  let restoreTimer: NodeJS.Timeout | undefined;
  /** Ends the current outage now (POST /reset). */
  let restoreOutage: () => Promise<void> = async () => {};

  /** Stops listening and resets every connection; listens again on the same port after `durationMs`. */
  async function startOutage(durationMs: number): Promise<void> {
    if (!(Number.isFinite(durationMs) && durationMs >= 0)) throw new Error(`durationMs must be a number of ms, not ${durationMs}`);
    if (unreachable) throw new Error("storage is already unreachable");
    unreachable = true;
    const outage = { startedAt: Date.now(), endedAt: 0, durationMs, connectionsReset: 0 };
    stats.outages.push(outage);
    const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
    outage.connectionsReset = await new Promise<number>((resolve) => proxy.getConnections((_error, count) => resolve(count)));
    proxy.closeAllConnections();
    // Sockets still reading a request body are not "idle or in a response": reset them too.
    for (const socket of openSockets) socket.destroy();
    await closed;
    let restoring: Promise<void> | undefined;
    const restore = (): Promise<void> => {
      if (stopped || !unreachable) return Promise.resolve();
      restoring ??= listen(proxy, proxyPort).then(
        () => {
          outage.endedAt = Date.now();
          unreachable = false;
        },
        () => {
          // The port is taken for a moment (it should not be): try again shortly.
          restoring = undefined;
          restoreTimer = setTimeout(() => void restore(), 100);
        },
      );
      return restoring;
    };
    restoreOutage = () => {
      clearTimeout(restoreTimer);
      return restore();
    };
    restoreTimer = setTimeout(() => void restore(), durationMs);
  }
  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    stop: async () => {
      stopped = true;
      clearTimeout(restoreTimer);
      await Promise.all([close(proxy), close(control)]);
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
