/**
 * What the pipeline suites share: the generated test videos, fresh work folders, and a run of
 * the whole pipeline on one video. `usePipelineFixture` registers the file's `beforeAll` and
 * `afterAll`, which make the library and remove it and every work folder.
 */
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { ArtifactKind } from "../../../convex/lib/artifactKinds";
import { probeVideo, type ProbedVideo } from "../pipeline/probeVideo";
import { produceArtifacts, type ArtifactStage, type ProducedArtifact } from "../pipeline/produceArtifacts";
import { createTestVideoLibrary, type TestVideoLibrary } from "./generateTestVideos";

export type PipelineRun = {
  media: ProbedVideo;
  artifacts: ProducedArtifact[];
  progress: { stage: ArtifactStage; pct: number }[];
  workDir: string;
  inputPath: string;
};

export function usePipelineFixture() {
  let library: TestVideoLibrary | undefined;
  const workDirs: string[] = [];
  beforeAll(async () => {
    library = await createTestVideoLibrary();
  });
  afterAll(async () => {
    await library?.dispose();
    await Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Absolute path of a test video, generated on first request. */
  const videoPath: TestVideoLibrary["path"] = (name) => {
    if (!library) throw new Error("The test videos are made in beforeAll");
    return library.path(name);
  };

  async function newWorkDir(): Promise<string> {
    // realpath: /proc reports resolved working directories.
    const dir = await realpath(await mkdtemp(join(tmpdir(), "reeldrop-artifacts-")));
    workDirs.push(dir);
    return dir;
  }

  /** Probes the video and produces all its artifacts in a new work folder. */
  async function runPipeline(name: Parameters<TestVideoLibrary["path"]>[0]): Promise<PipelineRun> {
    const inputPath = await videoPath(name);
    const media = await probeVideo(inputPath, { maxDurationSec: 3600 });
    const workDir = await newWorkDir();
    const progress: PipelineRun["progress"] = [];
    const artifacts = await produceArtifacts({
      inputPath,
      media,
      workDir,
      signal: new AbortController().signal,
      onProgress: (stage, pct) => progress.push({ stage, pct }),
    });
    return { media, artifacts, progress, workDir, inputPath };
  }

  return { videoPath, newWorkDir, runPipeline };
}

export const ofKind = (artifacts: ProducedArtifact[], kind: ArtifactKind): ProducedArtifact[] =>
  artifacts.filter((artifact) => artifact.kind === kind);
