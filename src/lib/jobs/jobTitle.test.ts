import { describe, expect, it } from "vitest";
import { jobTitle } from "./jobTitle";

describe("jobTitle", () => {
  it("is the video's title once known", () => {
    expect(jobTitle("READY", { title: "Keynote", thumbnailUrl: "https://i.ytimg.com/vi/x/hqdefault.jpg", source: "oembed" })).toBe("Keynote");
  });

  it("says the title is unavailable when the details came without one", () => {
    expect(jobTitle("META_READY", { thumbnailUrl: "https://i.ytimg.com/vi/x/hqdefault.jpg", source: "derived" })).toBe("Title unavailable");
  });

  it("says the lookup is running only while the job is CREATED", () => {
    expect(jobTitle("CREATED", undefined)).toBe("Looking up the video…");
    expect(jobTitle("FAILED", undefined)).toBe("Video details unavailable");
  });
});
