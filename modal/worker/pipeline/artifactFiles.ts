/**
 * Where artifacts are written and how a finished one is described. The layout under
 * `workDir` mirrors `artifactKey` (`<kind>/<index>.<ext>`), so a relative path here is also
 * the artifact's path under the job's artifact prefix — which is how the storyboard VTT
 * names its sheets.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  ARTIFACT_CONTENT_TYPES,
  ARTIFACT_FILE_EXTENSIONS,
  type ArtifactKind,
} from "../../../convex/lib/artifactKinds";
import type { ProbedVideo } from "./probeVideo";

export type ProducedArtifact = {
  kind: ArtifactKind;
  index: number;
  /** Absolute path of the file under `workDir`. */
  path: string;
  contentType: string;
  bytes: number;
  width?: number;
  height?: number;
  durationSec?: number;
  startSec?: number;
};

type ArtifactDetails = Pick<ProducedArtifact, "width" | "height" | "durationSec" | "startSec">;

/** What every stage works on. ffmpeg runs with `workDir` as its working directory. */
export type ArtifactJob = {
  /** Absolute path of the source video. */
  inputPath: string;
  media: ProbedVideo;
  workDir: string;
  signal: AbortSignal;
  /** Decoder and encoder threads per ffmpeg process. */
  threads: number;
};

export function artifactRelativePath(kind: ArtifactKind, index: number): string {
  return `${kind}/${index}.${ARTIFACT_FILE_EXTENSIONS[kind]}`;
}

/** Creates the kind's folder so ffmpeg, which does not create folders, can write into it. */
export async function prepareArtifactFolder(workDir: string, kind: ArtifactKind) {
  await mkdir(dirname(join(workDir, artifactRelativePath(kind, 0))), { recursive: true });
}

/**
 * Describes a file ffmpeg wrote; a missing or empty file means ffmpeg found no frame for it.
 * The error names the file for the worker's log; it never reaches the job's failure message.
 */
export async function describeArtifactFile(
  workDir: string,
  kind: ArtifactKind,
  index: number,
  details: ArtifactDetails,
): Promise<ProducedArtifact> {
  const path = join(workDir, artifactRelativePath(kind, index));
  const bytes = await stat(path).then(
    (stats) => stats.size,
    () => 0,
  );
  if (bytes === 0) throw new Error(`ffmpeg wrote no ${kind} #${index} (${path})`);
  return { kind, index, path, contentType: ARTIFACT_CONTENT_TYPES[kind], bytes, ...details };
}
