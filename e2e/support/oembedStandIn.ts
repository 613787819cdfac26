/**
 * A local stand-in for YouTube's oEmbed endpoint: the one boundary the end-to-end tests
 * replace, because YouTube is unreachable from these machines. It answers like YouTube for
 * a few known ids, 401s for `PRIVATE_VIDEO` and 404s for the rest. `HELD_VIDEO` is answered only once a spec sends
 * `POST /release` (see `releaseHeldVideo`), so a spec can watch a job sit in CREATED first.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext } from "@playwright/test";

/** YouTube answers 401 for it, as for a private video: the job gets metadata derived from the id. */
export const PRIVATE_VIDEO = "9bZkp7q19f0";

/** Known, but its lookup waits for `releaseHeldVideo()`. */
export const HELD_VIDEO = "M7lc1UVf-VE";

export const KNOWN_VIDEOS: Record<string, { title: string; author_name: string }> = {
  dQw4w9WgXcQ: { title: "Reeldrop end-to-end test video", author_name: "Reeldrop QA" },
  "aqz-KE-bpKQ": { title: "Second test video", author_name: "Reeldrop QA" },
  [HELD_VIDEO]: { title: "A video YouTube is slow to describe", author_name: "Reeldrop QA" },
};

/** From now on, lookups of `HELD_VIDEO` wait for `releaseHeldVideo()` (the stand-in starts so). */
export async function holdHeldVideo(): Promise<void> {
  await control("/hold");
}

/** Answers the held lookups, and every later one until `holdHeldVideo()`. */
export async function releaseHeldVideo(): Promise<void> {
  await control("/release");
}

/** The stand-in's address comes from globalSetup, through the environment. */
async function control(pathname: "/hold" | "/release"): Promise<void> {
  const response = await fetch(new URL(pathname, new URL(process.env.OEMBED_ENDPOINT ?? "")), { method: "POST" });
  if (!response.ok) throw new Error(`oEmbed stand-in: ${pathname} answered ${response.status}`);
}

export async function startOEmbedStandIn(): Promise<{ endpoint: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0;
  let released = false;
  let heldAnswers: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/hold" && request.method === "POST") {
      released = false;
      response.writeHead(204).end();
      return;
    }
    if (url.pathname === "/release" && request.method === "POST") {
      released = true;
      for (const answer of heldAnswers) answer();
      heldAnswers = [];
      response.writeHead(204).end();
      return;
    }
    requests++;
    const watchUrl = url.searchParams.get("url") ?? "";
    const videoId = new URL(watchUrl, "https://www.youtube.com").searchParams.get("v") ?? "";
    const video = KNOWN_VIDEOS[videoId];
    if (videoId === PRIVATE_VIDEO) {
      response.writeHead(401, { "content-type": "text/html" }).end("<html><body>Unauthorized</body></html>");
      return;
    }
    if (url.pathname !== "/oembed" || !video) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
    const answer = () =>
      response.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        type: "video",
        version: "1.0",
        provider_name: "YouTube",
        title: video.title,
        author_name: video.author_name,
        author_url: "https://www.youtube.com/@reeldrop",
        thumbnail_url: `https://i.ytimg.com/vi/${videoId}/hqdefault.jpg`,
        width: 200,
        height: 113,
      }),
    );
    if (videoId === HELD_VIDEO && !released) heldAnswers.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/oembed`,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * YouTube's thumbnail host (`i.ytimg.com`), answered in the browser with a plain picture: it is
 * out of reach here too, and a failed image load is a console error in Chromium.
 */
export async function serveYouTubeThumbnails(context: BrowserContext): Promise<void> {
  await context.route("https://i.ytimg.com/**", (route) =>
    route.fulfill({
      contentType: "image/svg+xml",
      body:
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360" viewBox="0 0 480 360">' +
        '<defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#5c6bc0"/><stop offset="1" stop-color="#c2185b"/></linearGradient></defs>' +
        '<rect width="480" height="360" fill="url(#g)"/><path d="M205 140v80l70-40z" fill="#fff" opacity=".9"/></svg>',
    }),
  );
}
