/**
 * Downloads an artifact the way a person does (its Download button in the gallery) and compares
 * the bytes the browser saved with the object storage holds, read straight from s3rver.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { expect, type Page } from "@playwright/test";
import { ARTIFACT_FILE_EXTENSIONS, artifactKey } from "../../convex/lib/artifactKinds";
import { artifactDownloadTestId, type ArtifactView } from "../../src/lib/artifacts/artifactGroups";
import { storedObjectDigest } from "./storedObject";

async function fileDigest(filePath: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(filePath)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Clicks the artifact's Download button and expects the saved file to be the stored object,
 * byte for byte, saved under the video's name (`titleSlug`) and the number the page shows.
 */
export async function expectDownloadMatchesStorage(page: Page, jobId: string, artifact: ArtifactView, titleSlug: string): Promise<void> {
  const label = `${artifact.kind} ${artifact.index}`;
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId(artifactDownloadTestId(artifact)).click(),
  ]);
  expect(await download.failure(), label).toBeNull();
  expect(download.suggestedFilename(), label).toMatch(
    new RegExp(`^${titleSlug}-[a-z-]+-${artifact.index + 1}\\.${ARTIFACT_FILE_EXTENSIONS[artifact.kind]}$`),
  );
  const saved = await fileDigest(await download.path());
  const stored = await storedObjectDigest(artifactKey(jobId, artifact.kind, artifact.index));
  expect(saved, label).toEqual(stored);
  expect(saved.size, label).toBe(artifact.bytes);
}
