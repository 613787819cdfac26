// @vitest-environment node
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createTestVideoLibrary, type TestVideoLibrary } from "../testing/generateTestVideos";
import { sha256File } from "./sha256File";

// Real ffmpeg runs: generous limits for a busy two-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let library: TestVideoLibrary;
let folder: string;
beforeAll(async () => {
  library = await createTestVideoLibrary();
  folder = await mkdtemp(join(tmpdir(), "reeldrop-sha256-"));
});
afterAll(async () => {
  await library.dispose();
  await rm(folder, { recursive: true, force: true });
});

const nodeSha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

it("matches node:crypto on a generated video", async () => {
  const path = await library.path("landscapeWithCuts");
  expect(await sha256File(path)).toBe(await nodeSha256(path));
});

it("matches node:crypto across several read chunks and on an empty file", async () => {
  const large = join(folder, "large.bin");
  await writeFile(large, randomBytes(3 * 1024 * 1024 + 17));
  expect(await sha256File(large)).toBe(await nodeSha256(large));

  const empty = join(folder, "empty.bin");
  await writeFile(empty, "");
  expect(await sha256File(empty)).toBe(
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});
