import { UploadError } from "../core/uploadError";

/** Bytes read at a time into the reused buffer: small enough that the page never holds much of the file. */
export const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * Feeds `blob` to `consume` as the browser reads it (`Blob.stream()`), into one buffer that is
 * reused from read to read (a BYOB reader) where the stream allows it: a file is read without
 * leaving a trail of buffers for the garbage collector, which reading a blob chunk by chunk
 * otherwise does (the page's heap then grows with the bytes read, 330–350 MiB after 256 MiB
 * here, until a collection). A stream also costs the page less CPU than `slice().arrayBuffer()`
 * pieces (`scripts/bench`'s `--profile`). `consume` must not keep the chunk. Resolves with the
 * buffer to pass to the next call; rejects with the signal's reason once it aborts, and with
 * `file_unreadable` when the file cannot be read.
 */
export async function readBlob(
  blob: Blob,
  consume: (chunk: Uint8Array) => void,
  signal?: AbortSignal,
  buffer: ArrayBuffer = new ArrayBuffer(READ_BUFFER_BYTES),
): Promise<ArrayBuffer> {
  signal?.throwIfAborted();
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = blob.stream();
  } catch (error) {
    throw unreadable(error);
  }
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: chunks come in buffers of the browser's choosing.
  }
  const reader = byob ?? stream.getReader();
  const stop = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = byob ? await byob.read(new Uint8Array(buffer)) : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      } catch (error) {
        signal?.throwIfAborted();
        throw unreadable(error);
      }
      signal?.throwIfAborted();
      if (byob && next.value) buffer = next.value.buffer as ArrayBuffer;
      if (next.done) return byob && next.value === undefined ? new ArrayBuffer(READ_BUFFER_BYTES) : buffer;
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
