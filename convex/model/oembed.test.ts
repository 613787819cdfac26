import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { MockAgent } from "undici";
import { fetchOEmbed, type FetchOEmbedOptions, type OEmbedResult } from "./oembed";
import { DERIVED_THUMBNAIL, YOUTUBE_OEMBED_ANSWER, YOUTUBE_VIDEO_ID } from "../testing/youtubeFixtures.testing";

const OEMBED_QUERY = `url=${encodeURIComponent(`https://www.youtube.com/watch?v=${YOUTUBE_VIDEO_ID}`)}&format=json`;

const FOUND: OEmbedResult = {
  kind: "found",
  meta: {
    title: YOUTUBE_OEMBED_ANSWER.title,
    authorName: "Rick Astley",
    authorUrl: "https://www.youtube.com/@RickAstleyYT",
    thumbnailUrl: DERIVED_THUMBNAIL,
    source: "oembed",
  },
};

type Respond = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

function sendJson(res: ServerResponse, body: unknown, status = 200) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function sendStatus(status: number): Respond {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "text/html" });
    res.end(`<html><body>${status}</body></html>`);
  };
}

/** A stand-in for YouTube on 127.0.0.1 that answers each request with `respond`. */
let server: Server;
let endpoint: string;
let requests: { url: string; accept: string | undefined }[];
let respond: Respond;

beforeEach(async () => {
  requests = [];
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", accept: req.headers.accept });
    respond(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oembed`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Short timeouts and back-off so that the retry paths run in milliseconds. */
function fetchFromTestServer(options: FetchOEmbedOptions = {}) {
  return fetchOEmbed(YOUTUBE_VIDEO_ID, { endpoint, timeoutMs: 300, retryBaseDelayMs: 5, ...options });
}

describe("fetchOEmbed: each answer from YouTube becomes one result", () => {
  test.each<[string, Respond, OEmbedResult, number]>([
    ["200 with oEmbed JSON", (_req, res) => sendJson(res, YOUTUBE_OEMBED_ANSWER), FOUND, 1],
    ["400 (not a video URL)", sendStatus(400), { kind: "not_found" }, 1],
    ["404 (no such video)", sendStatus(404), { kind: "not_found" }, 1],
    ["401 (private video)", sendStatus(401), { kind: "unavailable", reason: "forbidden", attempts: 1, detail: "HTTP 401" }, 1],
    ["403 (embedding disabled)", sendStatus(403), { kind: "unavailable", reason: "forbidden", attempts: 1, detail: "HTTP 403" }, 1],
    ["302 (a redirect, not followed)", sendStatus(302), { kind: "unavailable", reason: "unexpected_status", attempts: 1, detail: "HTTP 302" }, 1],
    ["408, every time", sendStatus(408), { kind: "unavailable", reason: "timeout", attempts: 3, detail: "HTTP 408" }, 3],
    ["429, every time", sendStatus(429), { kind: "unavailable", reason: "rate_limited", attempts: 3, detail: "HTTP 429" }, 3],
    ["500, every time", sendStatus(500), { kind: "unavailable", reason: "server_error", attempts: 3, detail: "HTTP 500" }, 3],
    ["503, every time", sendStatus(503), { kind: "unavailable", reason: "server_error", attempts: 3, detail: "HTTP 503" }, 3],
    [
      "500, then 429, then 200",
      (req, res, hit) => (hit === 1 ? sendStatus(500)(req, res, hit) : hit === 2 ? sendStatus(429)(req, res, hit) : sendJson(res, YOUTUBE_OEMBED_ANSWER)),
      FOUND,
      3,
    ],
    [
      "an HTML page with status 200",
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end("<!doctype html><html><body>Before you continue to YouTube</body></html>");
      },
      { kind: "unavailable", reason: "not_json", attempts: 1, detail: "text/html; charset=utf-8" },
      1,
    ],
    [
      "JSON that does not parse",
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"title": "unterminated');
      },
      { kind: "unavailable", reason: "invalid_json", attempts: 1 },
      1,
    ],
    [
      "an oversized body that announces its length",
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": 100_000 });
        res.end(" ".repeat(100_000));
      },
      { kind: "unavailable", reason: "too_large", attempts: 1 },
      1,
    ],
    [
      "an oversized body streamed without a length",
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(`{"type":"video","title":"${"x".repeat(40_000)}`);
        res.write("x".repeat(40_000));
        res.end('"}');
      },
      { kind: "unavailable", reason: "too_large", attempts: 1 },
      1,
    ],
  ])("%s", async (_name, respondWith, expected, hits) => {
    respond = respondWith;
    expect(await fetchFromTestServer()).toEqual(expected);
    expect(requests).toHaveLength(hits);
  });

  test("asks for the canonical watch URL as JSON", async () => {
    respond = (_req, res) => sendJson(res, YOUTUBE_OEMBED_ANSWER);
    await fetchFromTestServer();
    expect(requests).toEqual([{ url: `/oembed?${OEMBED_QUERY}`, accept: "application/json" }]);
  });

  test("JSON that is not a video's oEmbed is refused, with zod's reason", async () => {
    respond = (_req, res) => sendJson(res, { error: "nope" });
    const result = await fetchFromTestServer();
    expect(result).toMatchObject({ kind: "unavailable", reason: "invalid_response", attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  test("a title carrying markup and control characters is stored as clean plain text", async () => {
    respond = (_req, res) =>
      sendJson(res, {
        ...YOUTUBE_OEMBED_ANSWER,
        title: "<script>alert(1)</script>\u0000 Never\u202E\n\tGonna\u200B Give",
        author_name: "Rick\u0007 Astley\u2066",
        author_url: "javascript:alert(1)",
        thumbnail_url: "https://evil.example/x.jpg",
      });
    expect(await fetchFromTestServer()).toEqual({
      kind: "found",
      meta: {
        title: "<script>alert(1)</script> Never Gonna Give",
        authorName: "Rick Astley",
        thumbnailUrl: DERIVED_THUMBNAIL,
        source: "oembed",
      },
    });
  });
});

describe("fetchOEmbed: network conditions become results, never exceptions", () => {
  test("no answer at all times out on every attempt, each bounded by timeoutMs", async () => {
    respond = () => {};
    const started = Date.now();
    expect(await fetchFromTestServer({ timeoutMs: 150 })).toMatchObject({
      kind: "unavailable",
      reason: "timeout",
      attempts: 3,
    });
    expect(requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(3 * 150 + 1000);
  });

  test("a body that stalls after the headers times out", async () => {
    respond = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"type":"video",');
    };
    expect(await fetchFromTestServer({ timeoutMs: 150, retries: 0 })).toMatchObject({
      kind: "unavailable",
      reason: "timeout",
      attempts: 1,
    });
  });

  test("a body that trickles in stays within the attempt's deadline", async () => {
    respond = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(timer));
    };
    const started = Date.now();
    expect(await fetchFromTestServer({ timeoutMs: 200, retries: 0 })).toMatchObject({
      kind: "unavailable",
      reason: "timeout",
      attempts: 1,
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("a refused connection is a network failure, retried", async () => {
    server.close();
    const result = await fetchFromTestServer();
    expect(result).toMatchObject({ kind: "unavailable", reason: "network", attempts: 3 });
    expect(result.kind === "unavailable" && result.detail).toMatch(/ECONNREFUSED/);
  });

  test("retries: 0 makes a single attempt", async () => {
    respond = sendStatus(503);
    expect(await fetchFromTestServer({ retries: 0 })).toEqual({
      kind: "unavailable",
      reason: "server_error",
      attempts: 1,
      detail: "HTTP 503",
    });
    expect(requests).toHaveLength(1);
  });
});

describe("fetchOEmbed: where it sends the request", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  test("OEMBED_ENDPOINT is read at call time", async () => {
    respond = (_req, res) => sendJson(res, YOUTUBE_OEMBED_ANSWER);
    vi.stubEnv("OEMBED_ENDPOINT", endpoint);
    expect(await fetchOEmbed(YOUTUBE_VIDEO_ID)).toEqual(FOUND);
    expect(requests).toHaveLength(1);
  });

  test("by default it asks YouTube, through the given dispatcher", async () => {
    vi.stubEnv("OEMBED_ENDPOINT", undefined);
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get("https://www.youtube.com")
      .intercept({ path: `/oembed?${OEMBED_QUERY}`, method: "GET" })
      .reply(200, YOUTUBE_OEMBED_ANSWER, { headers: { "content-type": "application/json" } });
    expect(await fetchOEmbed(YOUTUBE_VIDEO_ID, { dispatcher: agent })).toEqual(FOUND);
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  test("an endpoint that is not a URL is a configuration error, thrown", async () => {
    await expect(fetchOEmbed(YOUTUBE_VIDEO_ID, { endpoint: "not a url" })).rejects.toThrow(/invalid url/i);
  });
});
