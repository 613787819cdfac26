import { describe, expect, test } from "vitest";
import { parseYouTubeUrl, YOUTUBE_URL_ERRORS } from "./youtube";

const ID = "dQw4w9WgXcQ";
const CANONICAL = `https://www.youtube.com/watch?v=${ID}`;

describe("parseYouTubeUrl accepts every shape of a single-video link", () => {
  test.each<[string, string]>([
    [`https://www.youtube.com/watch?v=${ID}`, ID],
    [`http://www.youtube.com/watch?v=${ID}`, ID],
    [`https://youtube.com/watch?v=${ID}`, ID],
    [`https://m.youtube.com/watch?v=${ID}`, ID],
    [`https://music.youtube.com/watch?v=${ID}&feature=share`, ID],
    [`https://www.youtube.com/watch?feature=youtu.be&v=${ID}`, ID],
    [`https://www.youtube.com/watch?v=${ID}&t=42s&list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs&index=2`, ID],
    [`https://www.youtube.com/watch?v=${ID}&v=${ID}`, ID],
    [`https://www.youtube.com/watch/?v=${ID}`, ID],
    [`https://www.youtube.com/watch?v=${ID}#t=1m`, ID],
    [`https://youtu.be/${ID}`, ID],
    [`https://youtu.be/${ID}?si=AbCdEfGh12345678&t=10`, ID],
    [`https://youtu.be/${ID}/`, ID],
    [`https://www.youtube.com/shorts/${ID}`, ID],
    [`https://youtube.com/shorts/${ID}?feature=share`, ID],
    [`https://www.youtube.com/embed/${ID}?start=30`, ID],
    [`https://www.youtube.com/live/${ID}?si=x`, ID],
    [`https://www.youtube.com/v/${ID}`, ID],
    [`https://www.youtube.com/e/${ID}`, ID],
    [`https://www.youtube-nocookie.com/embed/${ID}`, ID],
    [`https://youtube-nocookie.com/embed/${ID}`, ID],
    [`www.youtube.com/watch?v=${ID}`, ID],
    [`youtu.be/${ID}`, ID],
    [`youtube.com/shorts/${ID}`, ID],
    [`  \t https://youtu.be/${ID}\n `, ID],
    [`HTTPS://WWW.YOUTUBE.COM/watch?v=${ID}`, ID],
    [`https://YouTu.Be/${ID}`, ID],
    [`https://www.youtube.com:443/watch?v=${ID}`, ID],
    [`http://youtube.com:80/watch?v=${ID}`, ID],
    [`www.youtube.com:443/watch?v=${ID}`, ID],
    ["https://youtu.be/a_b-C_d-E_f", "a_b-C_d-E_f"],
  ])("%s", (input, videoId) => {
    expect(parseYouTubeUrl(input)).toEqual({
      ok: true,
      videoId,
      canonicalUrl: `https://www.youtube.com/watch?v=${videoId}`,
    });
  });
});

describe("parseYouTubeUrl refuses everything else, with the reason", () => {
  test.each<[string, string, keyof typeof YOUTUBE_URL_ERRORS]>([
    ["empty", "", "empty"],
    ["only whitespace", " \t\n ", "empty"],
    ["absurdly long", `https://www.youtube.com/watch?v=${ID}&x=${"a".repeat(2048)}`, "tooLong"],
    ["long whitespace padding", `${" ".repeat(2040)}https://youtu.be/${ID}`, "tooLong"],
    // Look-alike hosts
    ["another site", `https://vimeo.com/${ID}`, "notYouTube"],
    ["youtube.com as a subdomain of another site", `https://youtube.com.evil.com/watch?v=${ID}`, "notYouTube"],
    ["youtube.com in another site's path", `https://evil.com/youtube.com/watch?v=${ID}`, "notYouTube"],
    ["youtube.com in another site's path, no scheme", `evil.com/www.youtube.com/watch?v=${ID}`, "notYouTube"],
    ["wrong TLD", `https://youtube.co/watch?v=${ID}`, "notYouTube"],
    ["misspelt", `https://yuotube.com/watch?v=${ID}`, "notYouTube"],
    ["prefixed look-alike", `https://notyoutube.com/watch?v=${ID}`, "notYouTube"],
    ["unlisted subdomain", `https://evil.youtube.com.evil/watch?v=${ID}`, "notYouTube"],
    ["www on the short host", `https://www.youtu.be/${ID}`, "notYouTube"],
    ["trailing dot", `https://www.youtube.com./watch?v=${ID}`, "notYouTube"],
    ["percent-encoded host", `https://youtube%2Ecom/watch?v=${ID}`, "notYouTube"],
    ["IP address", `http://142.250.74.46/watch?v=${ID}`, "notYouTube"],
    ["IPv6 literal", `http://[::1]/watch?v=${ID}`, "notYouTube"],
    // Homographs
    ["Cyrillic о in youtube", `https://www.y\u043Eutube.com/watch?v=${ID}`, "badCharacters"],
    ["fullwidth dot", `https://www.youtube\uFF0Ecom/watch?v=${ID}`, "badCharacters"],
    ["punycode host", `https://www.xn--yutube-wqf.com/watch?v=${ID}`, "notYouTube"],
    ["punycode look-alike of youtu.be", `https://xn--yutu-55d.be/${ID}`, "notYouTube"],
    // Userinfo
    ["youtube.com as userinfo", `https://youtube.com@evil.com/watch?v=${ID}`, "credentials"],
    ["userinfo before youtube.com", `https://evil.com@youtube.com/watch?v=${ID}`, "credentials"],
    ["user and password", `https://user:pass@www.youtube.com/watch?v=${ID}`, "credentials"],
    ["userinfo without a scheme", `youtube.com:443@evil.com/watch?v=${ID}`, "credentials"],
    // Schemes
    ["javascript:", `javascript:alert(document.domain)//youtu.be/${ID}`, "badScheme"],
    ["data:", "data:text/html,<script>alert(1)</script>", "badScheme"],
    ["ftp:", `ftp://www.youtube.com/watch?v=${ID}`, "badScheme"],
    ["file:", `file:///www.youtube.com/watch?v=${ID}`, "badScheme"],
    ["no slashes after the scheme", `https:www.youtube.com/watch?v=${ID}`, "notALink"],
    ["three slashes after the scheme", `https:///www.youtube.com/watch?v=${ID}`, "notALink"],
    ["protocol-relative", `//www.youtube.com/watch?v=${ID}`, "notALink"],
    // Ports
    ["non-default port", `https://www.youtube.com:8443/watch?v=${ID}`, "badPort"],
    ["http's port on https", `https://www.youtube.com:80/watch?v=${ID}`, "badPort"],
    ["empty port", `https://www.youtube.com:/watch?v=${ID}`, "badPort"],
    // Characters URL would rewrite
    ["backslash instead of slash", `https://www.youtube.com\\watch?v=${ID}`, "badCharacters"],
    ["backslash host trick", `https://evil.com\\@www.youtube.com/watch?v=${ID}`, "badCharacters"],
    ["tab inside", `https://www.you\ttube.com/watch?v=${ID}`, "badCharacters"],
    ["newline inside the id", `https://youtu.be/dQw4w\n9WgXcQ`, "badCharacters"],
    ["space inside", `https://www.youtube.com/watch?v=${ID} extra`, "badCharacters"],
    ["NUL character", `https://youtu.be/${ID}\u0000`, "badCharacters"],
    ["zero-width space", `https://you\u200Btu.be/${ID}`, "badCharacters"],
    ["right-to-left override", `https://youtu.be/\u202E${ID}`, "badCharacters"],
    // Path tricks
    ["percent-encoded id in the path", `https://youtu.be/dQw4w9WgXc%51`, "unusualPath"],
    ["percent-encoded path segment", `https://www.youtube.com/%73horts/${ID}`, "unusualPath"],
    ["dot segments", `https://www.youtube.com/channel/../watch?v=${ID}`, "unusualPath"],
    ["encoded dot segments", `https://www.youtube.com/x/%2e%2e/watch?v=${ID}`, "unusualPath"],
    ["characters URL would encode", `https://www.youtube.com/shorts/"${ID}`, "unusualPath"],
    // Not a single video
    ["playlist", "https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "noVideo"],
    ["watch with only a playlist", "https://www.youtube.com/watch?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "noVideo"],
    ["channel", "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw", "noVideo"],
    ["playlist embed", "https://www.youtube.com/embed/videoseries?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "noVideo"],
    ["playlist embed without cookies", "https://www.youtube-nocookie.com/embed/videoseries?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs", "noVideo"],
    ["channel live-stream embed", "https://www.youtube.com/embed/live_stream?channel=UCuAXFkgsw1L7xaCfnd5JJOw", "noVideo"],
    ["handle", "https://www.youtube.com/@RickAstleyYT", "noVideo"],
    ["search", "https://www.youtube.com/results?search_query=never+gonna", "noVideo"],
    ["home page", "https://www.youtube.com/", "noVideo"],
    ["bare short host", "https://youtu.be/", "noVideo"],
    ["id with no path prefix", `https://www.youtube.com/${ID}`, "noVideo"],
    ["shorts with no id", "https://www.youtube.com/shorts/", "noVideo"],
    ["extra path segment", `https://www.youtube.com/shorts/${ID}/extra`, "noVideo"],
    ["double slash", `https://youtu.be//${ID}`, "noVideo"],
    ["empty v", "https://www.youtube.com/watch?v=", "noVideo"],
    ["capital V", `https://www.youtube.com/watch?V=${ID}`, "noVideo"],
    ["percent-encoded v name", `https://www.youtube.com/watch?%76=${ID}`, "noVideo"],
    ["v only in the fragment", `https://www.youtube.com/watch#v=${ID}`, "noVideo"],
    ["a short-link path on youtube.com", `https://youtube.com/watch/${ID}`, "noVideo"],
    // Ids
    ["conflicting v values", `https://www.youtube.com/watch?v=${ID}&v=aaaaaaaaaaa`, "conflictingIds"],
    ["10-character id", "https://youtu.be/dQw4w9WgXc", "badVideoId"],
    ["12-character id", "https://youtu.be/dQw4w9WgXcQQ", "badVideoId"],
    ["id with a dot", "https://www.youtube.com/watch?v=dQw4w9WgX.Q", "badVideoId"],
    ["id with an apostrophe", "https://www.youtube.com/embed/dQw4w9WgX'Q", "badVideoId"],
    ["percent-encoded id in the query", "https://www.youtube.com/watch?v=%64Qw4w9WgXcQ", "badVideoId"],
    ["id with a query separator smuggled in", `https://www.youtube.com/watch?v=${ID}%26v=x`, "badVideoId"],
    ["plus sign in the id", "https://www.youtube.com/watch?v=dQw4w9WgX+Q", "badVideoId"],
    // Not links at all
    ["plain words", "never gonna give you up", "badCharacters"],
    ["a bare id", ID, "notYouTube"],
    ["unknown scheme without slashes", `youtube:${ID}`, "badScheme"],
  ])("%s", (_name, input, reason) => {
    expect(parseYouTubeUrl(input)).toEqual({ ok: false, error: YOUTUBE_URL_ERRORS[reason] });
  });
});

test("the canonical URL is always the www watch URL", () => {
  expect(parseYouTubeUrl(`https://youtube-nocookie.com/embed/${ID}?autoplay=1`)).toEqual({
    ok: true,
    videoId: ID,
    canonicalUrl: CANONICAL,
  });
});

test("a link of exactly the maximum length is still parsed", () => {
  const base = `https://www.youtube.com/watch?v=${ID}&x=`;
  const input = base + "a".repeat(2048 - base.length);
  expect(input).toHaveLength(2048);
  expect(parseYouTubeUrl(input)).toEqual({ ok: true, videoId: ID, canonicalUrl: CANONICAL });
});

test("every reason is a sentence", () => {
  for (const message of Object.values(YOUTUBE_URL_ERRORS)) {
    expect(message).toMatch(/^[A-Z].*[.…]$/);
  }
});
