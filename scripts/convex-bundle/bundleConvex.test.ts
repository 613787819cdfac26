/**
 * The push check and the offline backend's bundler agree with the Convex CLI: a default-runtime
 * module that imports `node:crypto` fails both, naming the module, and the same module with
 * `"use node"` passes both. The CLI runs for real (`npx convex deploy --dry-run`, no network).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { bundleConvex, ConvexBundleError, runtimeOf } from "./bundleConvex";
import { runPushDryRun } from "./pushDryRun";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "test");
const withoutUseNode = join(fixtures, "nodeApiWithoutUseNode");
const withUseNode = join(fixtures, "nodeApiWithUseNode");

describe("a Node API in the default runtime", () => {
  test("fails the Convex CLI's own dry run at bundling", async () => {
    const result = await runPushDryRun(withoutUseNode);
    expect(result.passedBundling).toBe(false);
    expect(result.output).toContain('Could not resolve "node:crypto"');
    expect(result.output).toContain('"use node"');
  }, 120_000);

  test("fails the offline backend's bundler, naming the module", async () => {
    const error = await bundleConvex(join(withoutUseNode, "convex")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConvexBundleError);
    expect((error as ConvexBundleError).files).toContain("fingerprint.ts");
    expect((error as ConvexBundleError).message).toContain('Could not resolve "node:crypto"');
  });
});

describe('the same module with "use node"', () => {
  test("passes the CLI's dry run", async () => {
    const result = await runPushDryRun(withUseNode);
    expect(result.output).not.toContain("Could not resolve");
    expect(result.passedBundling).toBe(true);
  }, 120_000);

  test("bundles into the Node runtime, and the rest into the default runtime", async () => {
    const bundle = await bundleConvex(join(withUseNode, "convex"));
    const entries = (runtime: "isolate" | "node") =>
      bundle.modules.filter((module) => module.environment === runtime && !module.path.startsWith("_deps/"));
    expect(entries("node").map((module) => module.path)).toEqual(["fingerprint.js"]);
    expect(entries("isolate").map((module) => module.path)).toEqual(["greetings.js"]);
  });
});

describe("runtimeOf reads the directive as the CLI does", () => {
  test('"use node" must be a directive, not any mention', () => {
    expect(runtimeOf(join(withoutUseNode, "convex"), join(withoutUseNode, "convex", "fingerprint.ts"))).toBe("isolate");
    expect(runtimeOf(join(withUseNode, "convex"), join(withUseNode, "convex", "fingerprint.ts"))).toBe("node");
  });
});
