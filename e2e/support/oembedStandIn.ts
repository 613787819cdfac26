/**
 * A local stand-in for YouTube's oEmbed endpoint: the one boundary the end-to-end tests
 * replace, because YouTube is unreachable from these machines. It answers like YouTube for
 * a few known ids and 404s for the rest.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const KNOWN_VIDEOS: Record<string, { title: string; author_name: string }> = {
  dQw4w9WgXcQ: { title: "Reeldrop end-to-end test video", author_name: "Reeldrop QA" },
  "aqz-KE-bpKQ": { title: "Second test video", author_name: "Reeldrop QA" },
};

export async function startOEmbedStandIn(): Promise<{ endpoint: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const watchUrl = url.searchParams.get("url") ?? "";
    const videoId = new URL(watchUrl, "https://www.youtube.com").searchParams.get("v") ?? "";
    const video = KNOWN_VIDEOS[videoId];
    if (url.pathname !== "/oembed" || !video) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
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
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/oembed`,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
