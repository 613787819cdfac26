import { UploadError } from "../core/uploadError";

/**
 * Feeds `blob` to `consume` as the browser reads it (`Blob.stream()`: chunks of a few hundred
 * KiB, so at most one chunk of it is in memory here, and a long read yields between chunks).
 * A stream costs the page less CPU than reading the same bytes as `slice().arrayBuffer()` pieces
 * (1.4–1.6 against 2.2 CPU-seconds per GiB in `scripts/bench`'s `--profile`). Rejects with the
 * signal's reason once it aborts, and with `file_unreadable` when the file cannot be read.
 */
export async function readBlob(blob: Blob, consume: (chunk: Uint8Array) => void, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = blob.stream().getReader();
  } catch (error) {
    throw unreadable(error);
  }
  const stop = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        signal?.throwIfAborted();
        throw unreadable(error);
      }
      signal?.throwIfAborted();
      if (next.done) return;
      consume(next.value);
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    try {
      reader.releaseLock();
    } catch {
      // A read still pending after cancel; nothing holds the stream any more.
    }
  }
}

function unreadable(cause: unknown): UploadError {
  return new UploadError(
    "file_unreadable",
    "The file could not be read. It may have been moved, deleted or changed since you selected it; select it again.",
    { cause },
  );
}
