/** A real YouTube video, and what YouTube's oEmbed endpoint answers for it, for the metadata tests. */

export const YOUTUBE_VIDEO_ID = "dQw4w9WgXcQ";

/** The thumbnail every video has, derived from its id without asking YouTube. */
export const DERIVED_THUMBNAIL = `https://i.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`;

/** Trimmed from a real answer of https://www.youtube.com/oembed?url=…&format=json. */
export const YOUTUBE_OEMBED_ANSWER = {
  title: "Rick Astley - Never Gonna Give You Up (Official Video) (4K Remaster)",
  author_name: "Rick Astley",
  author_url: "https://www.youtube.com/@RickAstleyYT",
  type: "video",
  height: 113,
  width: 200,
  version: "1.0",
  provider_name: "YouTube",
  provider_url: "https://www.youtube.com/",
  thumbnail_height: 360,
  thumbnail_width: 480,
  thumbnail_url: `https://i.ytimg.com/vi/${YOUTUBE_VIDEO_ID}/hqdefault.jpg`,
  html: `<iframe width="200" height="113" src="https://www.youtube.com/embed/${YOUTUBE_VIDEO_ID}?feature=oembed"></iframe>`,
};
