/**
 * YouTube link parsing. Pure: imported by Convex functions, the worker and the UI.
 *
 * The WHATWG `URL` parser is lenient on purpose: it drops tabs and newlines, turns `\` into
 * `/`, percent-decodes and IDNA-maps hosts, resolves `..` segments and fills in default ports.
 * Every one of those rewrites can make a hostile string look like a YouTube link, so the raw
 * text is checked first and `URL` only ever parses input it would leave as it is.
 */

export type ParsedYouTubeUrl =
  | { ok: true; videoId: string; canonicalUrl: string }
  | { ok: false; error: string };

/** Longer input is refused before any parsing work. */
const MAX_INPUT_LENGTH = 2048;

const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;

/** Printable ASCII without the backslash: a link copied from YouTube never has anything else. */
const LINK_CHARACTERS = /^[\x21-\x5B\x5D-\x7E]+$/;

/** A scheme is letters, digits, `+`, `-` and `.`; a dot means "host:port" without a scheme. */
const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):/;

const HOST_NAME = /^[A-Za-z0-9.-]+$/;
const PORT_NUMBER = /^[0-9]{1,5}$/;

type HostKind = "youtube" | "shortLink";

const YOUTUBE_HOSTS: ReadonlyMap<string, HostKind> = new Map([
  ["youtube.com", "youtube"],
  ["www.youtube.com", "youtube"],
  ["m.youtube.com", "youtube"],
  ["music.youtube.com", "youtube"],
  ["youtube-nocookie.com", "youtube"],
  ["www.youtube-nocookie.com", "youtube"],
  ["youtu.be", "shortLink"],
]);

/** `/<prefix>/<id>` paths that name exactly one video. */
const VIDEO_PATH_PREFIXES: ReadonlySet<string> = new Set(["shorts", "embed", "live", "v", "e"]);
/**
 * Names YouTube's embed links use in the id's place, 11 characters like an id: a playlist
 * (`/embed/videoseries?list=…`) and a channel's live stream (`/embed/live_stream?channel=…`).
 */
const NOT_VIDEO_IDS: ReadonlySet<string> = new Set(["videoseries", "live_stream"]);

/** Why a link was refused, as sentences shown to the user. */
export const YOUTUBE_URL_ERRORS = {
  empty: "Paste a link to a YouTube video.",
  tooLong: "That link is too long to be a YouTube video link.",
  badCharacters:
    "That link contains spaces or characters that YouTube links never have. Copy the link again from YouTube.",
  notALink: "That does not look like a link. Paste a YouTube video link, such as https://www.youtube.com/watch?v=…",
  badScheme: "Only http:// and https:// links to YouTube are accepted.",
  credentials: "That link contains a user name or password, which YouTube links never have.",
  badPort: "That link points at an unusual port, which YouTube links never do.",
  notYouTube: "That link is not on youtube.com or youtu.be.",
  unusualPath: "That link has an unusual or encoded path. Copy the link again from YouTube.",
  noVideo:
    "That YouTube link does not point at a single video (playlists, channels and searches are not supported). Open the video and copy its link.",
  conflictingIds: "That link names more than one video.",
  badVideoId: "That link's video id is not valid: YouTube video ids are 11 letters, digits, '-' or '_'.",
} as const;

type Rejection = Extract<ParsedYouTubeUrl, { ok: false }>;

function reject(error: string): Rejection {
  return { ok: false, error };
}

export function parseYouTubeUrl(input: string): ParsedYouTubeUrl {
  if (input.length > MAX_INPUT_LENGTH) return reject(YOUTUBE_URL_ERRORS.tooLong);
  const text = input.trim();
  if (text === "") return reject(YOUTUBE_URL_ERRORS.empty);
  // Before URL sees it: URL would silently drop inner tabs and newlines and read `\` as `/`,
  // and non-ASCII text is how homograph hosts (a Cyrillic "о") get in.
  if (!LINK_CHARACTERS.test(text)) return reject(YOUTUBE_URL_ERRORS.badCharacters);

  const withScheme = addMissingScheme(text);
  if (!withScheme.ok) return withScheme;
  const raw = splitRawUrl(withScheme.url);
  if (raw === null) return reject(YOUTUBE_URL_ERRORS.notALink);

  // Userinfo is refused outright: `youtube.com@evil.com` and `evil.com@youtube.com` alike.
  if (raw.authority.includes("@")) return reject(YOUTUBE_URL_ERRORS.credentials);
  const colon = raw.authority.indexOf(":");
  const rawHost = colon === -1 ? raw.authority : raw.authority.slice(0, colon);
  // `%` is excluded here because URL percent-decodes hosts (`youtube%2Ecom` → `youtube.com`).
  if (!HOST_NAME.test(rawHost)) return reject(YOUTUBE_URL_ERRORS.notYouTube);
  if (colon !== -1 && !PORT_NUMBER.test(raw.authority.slice(colon + 1))) return reject(YOUTUBE_URL_ERRORS.badPort);

  let url: URL;
  try {
    url = new URL(withScheme.url);
  } catch {
    return reject(YOUTUBE_URL_ERRORS.notALink);
  }
  // URL reports a port only when it is not the scheme's default.
  if (url.port !== "") return reject(YOUTUBE_URL_ERRORS.badPort);
  const hostKind = YOUTUBE_HOSTS.get(url.hostname);
  if (hostKind === undefined) return reject(YOUTUBE_URL_ERRORS.notYouTube);
  // A path URL rewrote (dot segments, encoded characters) or one carrying `%` escapes is a
  // disguise, not something YouTube hands out.
  if (raw.path.includes("%") || raw.path !== url.pathname) return reject(YOUTUBE_URL_ERRORS.unusualPath);

  const videoId = findVideoId(hostKind, url.pathname, raw.query);
  if (!videoId.ok) return videoId;
  return { ok: true, videoId: videoId.id, canonicalUrl: canonicalWatchUrl(videoId.id) };
}

/** The one URL Reeldrop stores and sends to oEmbed for a video, whatever link was pasted. */
export function canonicalWatchUrl(videoId: string): string {
  return `https://www.youtube.com/watch?v=${videoId}`;
}

function addMissingScheme(text: string): { ok: true; url: string } | Rejection {
  const scheme = SCHEME_PREFIX.exec(text)?.[1];
  if (scheme === undefined || scheme.includes(".")) return { ok: true, url: `https://${text}` };
  const lower = scheme.toLowerCase();
  if (lower !== "http" && lower !== "https") return reject(YOUTUBE_URL_ERRORS.badScheme);
  // URL accepts `https:youtube.com` and `https:///youtube.com`; real links have exactly `://`.
  if (!text.slice(scheme.length).startsWith("://") || text[scheme.length + 3] === "/") {
    return reject(YOUTUBE_URL_ERRORS.notALink);
  }
  return { ok: true, url: text };
}

/** The parts of `scheme://authority/path?query#fragment` exactly as typed. */
function splitRawUrl(url: string): { authority: string; path: string; query: string } | null {
  const afterScheme = url.slice(url.indexOf("://") + 3);
  const withoutFragment = afterScheme.split("#", 1)[0] ?? "";
  const queryStart = withoutFragment.indexOf("?");
  const beforeQuery = queryStart === -1 ? withoutFragment : withoutFragment.slice(0, queryStart);
  const query = queryStart === -1 ? "" : withoutFragment.slice(queryStart + 1);
  const pathStart = beforeQuery.indexOf("/");
  const authority = pathStart === -1 ? beforeQuery : beforeQuery.slice(0, pathStart);
  if (authority === "") return null;
  const path = pathStart === -1 ? "/" : beforeQuery.slice(pathStart);
  return { authority, path, query };
}

function findVideoId(
  hostKind: HostKind,
  pathname: string,
  rawQuery: string,
): { ok: true; id: string } | Rejection {
  // One trailing slash is harmless (`youtu.be/<id>/`); otherwise the path must match exactly.
  const segments = pathname.replace(/\/$/, "").split("/").slice(1);
  const [first, second] = segments;
  let candidate: string | undefined;
  if (hostKind === "shortLink") {
    if (segments.length === 1) candidate = first;
  } else if (segments.length === 1 && first === "watch") {
    const ids = new Set(rawQueryValues(rawQuery, "v"));
    if (ids.size > 1) return reject(YOUTUBE_URL_ERRORS.conflictingIds);
    [candidate] = ids;
  } else if (segments.length === 2 && first !== undefined && VIDEO_PATH_PREFIXES.has(first)) {
    candidate = second;
  }
  if (candidate === undefined || candidate === "" || NOT_VIDEO_IDS.has(candidate)) return reject(YOUTUBE_URL_ERRORS.noVideo);
  return VIDEO_ID.test(candidate) ? { ok: true, id: candidate } : reject(YOUTUBE_URL_ERRORS.badVideoId);
}

/**
 * Values of `name` in a query string, not percent-decoded: `v=%64Qw4…` must fail the id check
 * rather than decode into a valid-looking id.
 */
function rawQueryValues(rawQuery: string, name: string): string[] {
  if (rawQuery === "") return [];
  return rawQuery
    .split("&")
    .filter((pair) => pair === name || pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
}
