import { describe, expect, it } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { JOB_ARTIFACT_KINDS, type ArtifactKind } from "../../../convex/lib/artifactKinds";
import {
  ARTIFACT_GROUPS,
  artifactDetails,
  artifactDownloadTestId,
  artifactTestId,
  artifactTitle,
  groupArtifacts,
  type ArtifactView,
} from "./artifactGroups";

function artifact(kind: ArtifactKind, index: number, extra: Partial<ArtifactView> = {}): ArtifactView {
  return {
    _id: `${kind}-${index}` as Id<"video_artifacts">,
    kind,
    index,
    contentType: "application/octet-stream",
    bytes: 1000,
    createdAt: 0,
    ...extra,
  };
}

describe("ARTIFACT_GROUPS", () => {
  it("puts every kind a job's processing makes in exactly one group (requested clips have their own section)", () => {
    const grouped = ARTIFACT_GROUPS.flatMap((group) => group.kinds);
    expect([...grouped].sort()).toEqual([...JOB_ARTIFACT_KINDS].sort());
  });
});

describe("groupArtifacts", () => {
  it("orders groups and, within them, kinds then indexes; empty groups are left out", () => {
    const groups = groupArtifacts([
      artifact("clip", 1),
      artifact("thumbnail", 2),
      artifact("storyboard_vtt", 0),
      artifact("thumbnail", 0),
      artifact("storyboard", 1),
      artifact("poster", 0),
      artifact("clip", 0),
      artifact("clip_poster", 0),
      artifact("storyboard", 0),
    ]);
    expect(groups.map((group) => [group.id, group.artifacts.map((a) => `${a.kind}-${a.index}`)])).toEqual([
      ["stills", ["poster-0", "thumbnail-0", "thumbnail-2"]],
      ["storyboard", ["storyboard-0", "storyboard-1", "storyboard_vtt-0"]],
      ["clips", ["clip-0", "clip-1", "clip_poster-0"]],
    ]);
  });

  it("has no groups without artifacts", () => {
    expect(groupArtifacts([])).toEqual([]);
  });
});

describe("artifact text", () => {
  it("titles number from one", () => {
    expect(artifactTitle(artifact("poster", 0))).toBe("Poster");
    expect(artifactTitle(artifact("thumbnail", 0))).toBe("Thumbnail 1");
    expect(artifactTitle(artifact("clip", 2))).toBe("Clip 3");
    expect(artifactTitle(artifact("clip_poster", 2))).toBe("Poster of clip 3");
    expect(artifactTitle(artifact("storyboard", 1))).toBe("Storyboard sheet 2");
    expect(artifactTitle(artifact("storyboard_vtt", 0))).toBe("Storyboard index (WebVTT)");
    expect(artifactTitle(artifact("audio", 0))).toBe("Audio track");
  });

  it("details give dimensions, duration or the stretch covered, and size", () => {
    expect(artifactDetails(artifact("poster", 0, { width: 1280, height: 720, bytes: 123_456 }))).toEqual([
      "1280 × 720",
      "123 kB",
    ]);
    expect(
      artifactDetails(artifact("clip", 0, { width: 640, height: 360, durationSec: 4.6, startSec: 72, bytes: 1_500_000 })),
    ).toEqual(["640 × 360", "1:12–1:17", "1.5 MB"]);
    expect(artifactDetails(artifact("storyboard", 0, { width: 1600, height: 900, startSec: 0, durationSec: 400 }))).toEqual([
      "1600 × 900",
      "0:00–6:40",
      "1.0 kB",
    ]);
    expect(artifactDetails(artifact("thumbnail", 1, { width: 320, height: 180, startSec: 30 }))).toEqual([
      "320 × 180",
      "at 0:30",
      "1.0 kB",
    ]);
    expect(artifactDetails(artifact("audio", 0, { durationSec: 3725, bytes: 40_000_000 }))).toEqual(["1:02:05", "40 MB"]);
    expect(artifactDetails(artifact("storyboard_vtt", 0, { durationSec: 60, bytes: 900 }))).toEqual(["900 B"]);
  });

  it("test ids name kind and index", () => {
    expect(artifactTestId(artifact("storyboard_vtt", 0))).toBe("artifact-storyboard_vtt-0");
    expect(artifactDownloadTestId(artifact("clip", 3))).toBe("artifact-download-clip-3");
  });
});
