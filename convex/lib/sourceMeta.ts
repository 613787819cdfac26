/**
 * A video's title, author and thumbnail, from YouTube's oEmbed answer or derived from the id.
 * Pure: the network call lives in `convex/model/oembed.ts`.
 *
 * oEmbed text is stored as plain text (React escapes it when rendering), so nothing is
 * HTML-encoded here; what is removed is anything that does not print, because control and
 * bidi characters can reorder or hide what the user reads.
 */
import { z } from "zod";
import type { SourceMeta } from "./validators";

export const TITLE_MAX_LENGTH = 200;
export const AUTHOR_NAME_MAX_LENGTH = 100;
const URL_MAX_LENGTH = 2048;

/**
 * The part of YouTube's oEmbed JSON (https://oembed.com/, type "video") that Reeldrop uses.
 * Other keys (html, sizes, provider) are dropped unchecked, so a change in them cannot turn a
 * good answer into a failure.
 */
export const oEmbedResponse = z.object({
  type: z.literal("video"),
  title: z.string(),
  author_name: z.string().optional(),
  author_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
});

export type OEmbedResponse = z.infer<typeof oEmbedResponse>;

const AUTHOR_URL_HOSTS: ReadonlySet<string> = new Set(["youtube.com", "www.youtube.com", "m.youtube.com"]);

/** YouTube's image hosts: i.ytimg.com, its numbered shards (i9.ytimg.com) and img.youtube.com. */
function isYouTubeImageHost(hostname: string): boolean {
  return /^i[0-9]?\.ytimg\.com$/.test(hostname) || hostname === "img.youtube.com";
}

/**
 * Control, format (bidi overrides, zero-width spaces), private-use and lone-surrogate
 * characters. Whitespace controls are left for the whitespace pass so that "a\nb" reads
 * "a b"; the zero-width (non-)joiners stay because emoji sequences and several scripts need
 * them. Unassigned code points stay too: a character newer than this runtime's Unicode
 * tables is still a character.
 */
const NON_PRINTING = /(?![\t\n\v\f\r\u0085\u200C\u200D])[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu;
const WHITESPACE_RUN = /[\s\u0085]+/gu;

/** Printable text, whitespace collapsed, cut to `maxLength` code points; `undefined` if empty. */
function toPlainText(text: string, maxLength: number): string | undefined {
  const cleaned = text.replace(NON_PRINTING, "").replace(WHITESPACE_RUN, " ").trim();
  if (cleaned === "") return undefined;
  const codePoints = Array.from(cleaned);
  if (codePoints.length <= maxLength) return cleaned;
  return `${codePoints.slice(0, maxLength - 1).join("").trimEnd()}…`;
}

/** The URL, normalized, if it is plain https on one of `isAllowedHost`'s hosts. */
function httpsUrlOnHost(raw: string | undefined, isAllowedHost: (hostname: string) => boolean): string | undefined {
  // URL would silently drop inner whitespace and controls; a clean URL has none to drop.
  if (raw === undefined || raw.length > URL_MAX_LENGTH || !/^[\x21-\x7E]+$/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const plain = url.protocol === "https:" && url.username === "" && url.password === "" && url.port === "";
  return plain && isAllowedHost(url.hostname) ? url.href : undefined;
}

function derivedThumbnailUrl(videoId: string): string {
  return `https://i.ytimg.com/vi/${encodeURIComponent(videoId)}/hqdefault.jpg`;
}

/** What is known without asking YouTube: the thumbnail URL follows from the id. */
export function deriveSourceMeta(videoId: string): SourceMeta {
  return { thumbnailUrl: derivedThumbnailUrl(videoId), source: "derived" };
}

export function sanitizeOEmbed(videoId: string, oEmbed: OEmbedResponse): SourceMeta {
  const title = toPlainText(oEmbed.title, TITLE_MAX_LENGTH);
  const authorName = oEmbed.author_name === undefined ? undefined : toPlainText(oEmbed.author_name, AUTHOR_NAME_MAX_LENGTH);
  const authorUrl = httpsUrlOnHost(oEmbed.author_url, (host) => AUTHOR_URL_HOSTS.has(host));
  const thumbnailUrl = httpsUrlOnHost(oEmbed.thumbnail_url, isYouTubeImageHost) ?? derivedThumbnailUrl(videoId);
  return {
    ...(title === undefined ? {} : { title }),
    ...(authorName === undefined ? {} : { authorName }),
    ...(authorUrl === undefined ? {} : { authorUrl }),
    thumbnailUrl,
    source: "oembed",
  };
}
