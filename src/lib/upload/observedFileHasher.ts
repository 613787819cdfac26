/**
 * The engine's file hasher, telling which way each hash was computed: in the engine's Web
 * Worker (`sha256Worker.ts`) or on the main thread because no worker could start. A worker
 * that fails to bundle or load falls back silently, so the page reports the path it took
 * (the end-to-end tests assert on it).
 */
import { InProcessFileHasher, WorkerFileHasher, type FileHasher } from "./fileHasher";

export type HashingPath = "worker" | "in-process";

export function createObservedFileHasher(onHashed: (path: HashingPath) => void): FileHasher {
  const inProcess = new InProcessFileHasher();
  if (typeof Worker === "undefined") {
    return {
      async sha256Hex(blob, options) {
        const hex = await inProcess.sha256Hex(blob, options);
        onHashed("in-process");
        return hex;
      },
    };
  }
  return {
    async sha256Hex(blob, options) {
      let path: HashingPath = "worker";
      const fallback: FileHasher = {
        sha256Hex(fallbackBlob, fallbackOptions) {
          path = "in-process";
          return inProcess.sha256Hex(fallbackBlob, fallbackOptions);
        },
      };
      // The same expression as the engine's `createFileHasher`: bundlers (webpack, Turbopack)
      // recognise exactly this shape and emit the worker chunk.
      const hasher = new WorkerFileHasher(
        () => new Worker(new URL("./sha256Worker.ts", import.meta.url), { type: "module" }),
        fallback,
      );
      const hex = await hasher.sha256Hex(blob, options);
      onHashed(path);
      return hex;
    },
  };
}
