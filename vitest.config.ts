import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * One test file more than there are cores. Vitest's default (cores − 1) runs one file at a time
 * on a 2-core machine, while most of the slow files wait on FFmpeg, child stacks and sockets:
 * on 2 cores the whole suite took 474 s with one worker and 299 s with three (measured
 * 2026-12-07, `npx vitest run` against `npx vitest run --maxWorkers=3 --minWorkers=3`).
 */
const workers = availableParallelism() + 1;

export default defineConfig({
  test: {
    maxWorkers: workers,
    minWorkers: 1,
    projects: [
      {
        test: {
          name: "convex",
          include: ["convex/**/*.test.ts"],
          environment: "edge-runtime",
          server: { deps: { inline: ["convex-test"] } },
        },
      },
      {
        resolve: { alias: { "@": new URL("./src", import.meta.url).pathname } },
        test: {
          name: "node",
          include: ["src/**/*.test.ts", "modal/**/*.test.ts", "scripts/**/*.test.ts"],
          environment: "node",
        },
      },
    ],
  },
});
