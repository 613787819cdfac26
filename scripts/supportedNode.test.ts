/**
 * Node 22 and 24 (LTS) are the supported versions: every place that picks a Node version says
 * one of them, and the package accepts both. (Node 20, which these machines still run, reached
 * its end of life on 2026-04-30; `engines` keeps accepting it while CI runs the suite on it.)
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const SUPPORTED_MAJORS = ["22", "24"];
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const packageJson = JSON.parse(read("package.json")) as { engines: { node: string }; scripts: Record<string, string> };

describe("supported Node versions", () => {
  test("engines accepts every supported major", () => {
    for (const major of SUPPORTED_MAJORS) expect(packageJson.engines.node).toMatch(new RegExp(`\\^${major}\\.`));
  });

  test("the worker bundle targets the oldest supported major", () => {
    expect(packageJson.scripts["build:worker"]).toContain(`--target=node${SUPPORTED_MAJORS[0]}`);
  });

  test("Convex's Node runtime and the Modal image run a supported major", () => {
    const convexJson = JSON.parse(read("convex.json")) as { node?: { nodeVersion?: string } };
    expect(SUPPORTED_MAJORS).toContain(convexJson.node?.nodeVersion);
    const image = /from_registry\("node:(\d+)-bookworm-slim"/.exec(read("modal/app.py"));
    expect(SUPPORTED_MAJORS).toContain(image?.[1]);
  });

  test("CI runs the suite on a supported major besides the machine's", () => {
    const version = /NODE24_VERSION=(\d+)\./.exec(read(".ci/run"));
    expect(SUPPORTED_MAJORS).toContain(version?.[1]);
  });
});
