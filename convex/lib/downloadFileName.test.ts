import { describe, expect, test } from "vitest";
import { artifactDownloadName } from "./downloadFileName";

const RICK = { title: "Rick Astley - Never Gonna Give You Up (Official Video) (4K Remaster)", videoId: "dQw4w9WgXcQ" };

describe("artifactDownloadName", () => {
  test("names the video, what the artifact is, and its number as the page counts (from 1)", () => {
    expect(artifactDownloadName({ kind: "thumbnail", index: 1, r2Key: "artifacts/j/thumbnail/1.jpg" }, RICK)).toBe(
      // The title is cut between words to stay within 60 characters.
      "rick-astley-never-gonna-give-you-up-official-video-4k-thumbnail-2.jpg",
    );
    expect(artifactDownloadName({ kind: "storyboard_vtt", index: 0, r2Key: "artifacts/j/storyboard_vtt/0.vtt" }, RICK)).toMatch(
      /-storyboard-index-1\.vtt$/,
    );
    expect(artifactDownloadName({ kind: "storyboard", index: 2, r2Key: "artifacts/j/storyboard/2.jpg" }, RICK)).toMatch(
      /-storyboard-sheet-3\.jpg$/,
    );
  });

  test("keeps only ASCII letters, digits and hyphens, and at most 60 characters of the title", () => {
    const name = artifactDownloadName(
      { kind: "clip", index: 0, r2Key: "artifacts/j/clip/0.mp4" },
      { title: `Café "Ünïcödé" / 東京 \\ ${"x".repeat(100)}`, videoId: "abc" },
    );
    expect(name).toMatch(/^[a-z0-9-]+\.mp4$/);
    expect(name.startsWith("cafe-unicode-")).toBe(true);
    expect(name.length).toBeLessThanOrEqual(60 + "-clip-1.mp4".length);
  });

  test("falls back to the video's id when there is no usable title", () => {
    for (const title of [undefined, "", "東京"]) {
      expect(artifactDownloadName({ kind: "poster", index: 0, r2Key: "artifacts/j/poster/0.jpg" }, { title, videoId: "dQw4w9WgXcQ" })).toBe(
        "dqw4w9wgxcq-poster-1.jpg",
      );
    }
  });
});
