// @vitest-environment node
// Reads the source files, which needs Node.
/**
 * Guards the runtime split: Convex's default runtime gets the AWS SDK's browser build, whose
 * XML parsing needs `DOMParser`, which that runtime lacks. convex-test runs everything in Node
 * and cannot notice, so this checks the import graph instead: no module that runs in the
 * default runtime reaches the SDK, and the module that does is a Node module.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const convexDir = dirname(fileURLToPath(import.meta.url));

function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+"([^"]+)"/g)].map((match) => match[1]!);
}

/** Every package a module reaches through its own relative imports (generated code excluded). */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith(".")) packages.add(specifier);
      else if (!specifier.includes("_generated")) visit(resolve(dirname(file), `${specifier}.ts`));
    }
  };
  visit(join(convexDir, entry));
  return packages;
}

describe("the AWS SDK stays in the Node runtime", () => {
  test.each(["uploads.ts", "uploadJanitor.ts", "crons.ts"])("%s does not reach @aws-sdk", (entry) => {
    expect([...packagesReachedFrom(entry)].filter((name) => name.startsWith("@aws-sdk/"))).toEqual([]);
  });

  test("uploadStorage.ts, which calls S3, is a Node module", () => {
    expect(readFileSync(join(convexDir, "uploadStorage.ts"), "utf8").startsWith('"use node";')).toBe(true);
    expect([...packagesReachedFrom("uploadStorage.ts")]).toContain("@aws-sdk/client-s3");
  });
});
