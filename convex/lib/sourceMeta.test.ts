import { describe, expect, test } from "vitest";
import {
  AUTHOR_NAME_MAX_LENGTH,
  deriveSourceMeta,
  oEmbedResponse,
  sanitizeOEmbed,
  TITLE_MAX_LENGTH,
  type OEmbedResponse,
} from "./sourceMeta";
import { DERIVED_THUMBNAIL, YOUTUBE_OEMBED_ANSWER, YOUTUBE_VIDEO_ID } from "../testing/youtubeFixtures.testing";

function answerWith(fields: Partial<OEmbedResponse>): OEmbedResponse {
  return { ...oEmbedResponse.parse(YOUTUBE_OEMBED_ANSWER), ...fields };
}

describe("oEmbedResponse", () => {
  test("accepts YouTube's answer and keeps only the fields Reeldrop uses", () => {
    expect(oEmbedResponse.parse(YOUTUBE_OEMBED_ANSWER)).toEqual({
      type: "video",
      title: YOUTUBE_OEMBED_ANSWER.title,
      author_name: "Rick Astley",
      author_url: "https://www.youtube.com/@RickAstleyYT",
      thumbnail_url: YOUTUBE_OEMBED_ANSWER.thumbnail_url,
    });
  });

  test.each([
    ["no title", { ...YOUTUBE_OEMBED_ANSWER, title: undefined }],
    ["a numeric title", { ...YOUTUBE_OEMBED_ANSWER, title: 42 }],
    ["another oEmbed type", { ...YOUTUBE_OEMBED_ANSWER, type: "rich" }],
    ["an author URL that is not a string", { ...YOUTUBE_OEMBED_ANSWER, author_url: ["https://www.youtube.com/"] }],
    ["an array", [YOUTUBE_OEMBED_ANSWER]],
    ["null", null],
  ])("refuses %s", (_name, json) => {
    expect(oEmbedResponse.safeParse(json).success).toBe(false);
  });
});

describe("sanitizeOEmbed", () => {
  test("keeps a normal answer as it is", () => {
    expect(sanitizeOEmbed(YOUTUBE_VIDEO_ID, oEmbedResponse.parse(YOUTUBE_OEMBED_ANSWER))).toEqual({
      title: YOUTUBE_OEMBED_ANSWER.title,
      authorName: "Rick Astley",
      authorUrl: "https://www.youtube.com/@RickAstleyYT",
      thumbnailUrl: YOUTUBE_OEMBED_ANSWER.thumbnail_url,
      source: "oembed",
    });
  });

  test.each<[string, string, string | undefined]>([
    ["markup stays literal text (React escapes it)", '<script>alert("x")</script> & <b>bold</b>', '<script>alert("x")</script> & <b>bold</b>'],
    ["control characters are removed", "Never\u0000Gonna\u0007 Give\u001B[31m You\u007F Up", "NeverGonna Give[31m You Up"],
    ["bidi overrides and isolates are removed", "abc\u202Egpj.exe\u202C \u2067x\u2069", "abcgpj.exe x"],
    ["zero-width spaces and byte-order marks are removed", "\uFEFFze\u200Bro\u2060width", "zerowidth"],
    ["lone surrogates and private-use characters are removed", "a\uD800b\uE000c", "abc"],
    ["newlines, tabs and odd spaces collapse to one space", "  one\r\n\ttwo\u00A0\u2003three\u2028four\u0085five  ", "one two three four five"],
    ["emoji joiners and scripts that need joiners survive", "family 👨\u200D👩\u200D👧 می\u200Cخواهم", "family 👨\u200D👩\u200D👧 می\u200Cخواهم"],
    ["accents and non-Latin scripts survive", "Déjà vu — 日本語 ✓", "Déjà vu — 日本語 ✓"],
    ["nothing printable leaves no title", " \u200B\u202E\n\t ", undefined],
  ])("title: %s", (_name, title, expected) => {
    const meta = sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ title }));
    expect(meta.title).toBe(expected);
    expect("title" in meta).toBe(expected !== undefined);
  });

  test("a long title is cut to the limit, with an ellipsis, without splitting a character", () => {
    const ascii = sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ title: "x".repeat(500) })).title!;
    expect(ascii).toBe(`${"x".repeat(TITLE_MAX_LENGTH - 1)}…`);
    const emoji = sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ title: "🎬".repeat(500) })).title!;
    expect(Array.from(emoji)).toHaveLength(TITLE_MAX_LENGTH);
    expect(emoji).toBe(`${"🎬".repeat(TITLE_MAX_LENGTH - 1)}…`);
    expect(sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ title: "y".repeat(TITLE_MAX_LENGTH) })).title).toBe("y".repeat(TITLE_MAX_LENGTH));
  });

  test("the author name is cleaned the same way and cut at its own limit", () => {
    expect(sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ author_name: "Rick\u202E  Astley\n" })).authorName).toBe("Rick Astley");
    expect(sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ author_name: "a".repeat(300) })).authorName).toBe(
      `${"a".repeat(AUTHOR_NAME_MAX_LENGTH - 1)}…`,
    );
    const withoutAuthor = sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ author_name: undefined }));
    expect("authorName" in withoutAuthor).toBe(false);
  });

  test.each<[string | undefined, string | undefined]>([
    ["https://www.youtube.com/@RickAstleyYT", "https://www.youtube.com/@RickAstleyYT"],
    ["https://youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw", "https://youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw"],
    ["https://M.YouTube.com/@x", "https://m.youtube.com/@x"],
    ["https://www.youtube.com:443/@x", "https://www.youtube.com/@x"],
    ["http://www.youtube.com/@RickAstleyYT", undefined],
    ["javascript:alert(1)//www.youtube.com/", undefined],
    ["https://evil.com/@RickAstleyYT", undefined],
    ["https://www.youtube.com.evil.com/@x", undefined],
    ["https://www.youtube.com@evil.com/", undefined],
    ["https://user@www.youtube.com/@x", undefined],
    ["https://www.youtube.com:8443/@x", undefined],
    ["https://music.youtube.com/channel/x", undefined],
    ["https://www.youtube.com/@x\n", undefined],
    ["https://www.you\ttube.com/@x", undefined],
    ["not a url", undefined],
    [`https://www.youtube.com/${"a".repeat(2100)}`, undefined],
    [undefined, undefined],
  ])("author URL %j → %j", (authorUrl, expected) => {
    const meta = sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ author_url: authorUrl }));
    expect(meta.authorUrl).toBe(expected);
    expect("authorUrl" in meta).toBe(expected !== undefined);
  });

  test.each<[string | undefined, string]>([
    [`https://i.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`, `https://i.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`],
    [`https://i9.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/mqdefault.jpg?sqp=x`, `https://i9.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/mqdefault.jpg?sqp=x`],
    [`https://img.youtube.com/vi/${YOUTUBE_VIDEO_ID}/0.jpg`, `https://img.youtube.com/vi/${YOUTUBE_VIDEO_ID}/0.jpg`],
    [`http://i.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`, DERIVED_THUMBNAIL],
    [`https://i.ytimg.com.evil.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`, DERIVED_THUMBNAIL],
    [`https://i10.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`, DERIVED_THUMBNAIL],
    [`https://evil.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`, DERIVED_THUMBNAIL],
    [`https://www.youtube.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`, DERIVED_THUMBNAIL],
    ["data:image/svg+xml,<svg onload=alert(1)>", DERIVED_THUMBNAIL],
    [undefined, DERIVED_THUMBNAIL],
  ])("thumbnail URL %j → %j", (thumbnailUrl, expected) => {
    expect(sanitizeOEmbed(YOUTUBE_VIDEO_ID, answerWith({ thumbnail_url: thumbnailUrl })).thumbnailUrl).toBe(expected);
  });
});

test("deriveSourceMeta knows only the thumbnail", () => {
  expect(deriveSourceMeta(YOUTUBE_VIDEO_ID)).toEqual({ thumbnailUrl: DERIVED_THUMBNAIL, source: "derived" });
});
