/**
 * Everything the embedded S3 server holds, for "changes nothing" checks, read from its folder:
 * s3rver keeps each object (`<key>._S3rver_object`, with its metadata and MD5 beside it) and
 * each unfinished multipart upload with its parts (`._S3rver_uploads/<uploadId>/<partNumber>`)
 * there, and answers neither ListMultipartUploads nor ListParts, so the folder is the one
 * complete list. Each file is listed with its size and modification time.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { EmbeddedS3 } from "../../scripts/s3/embeddedS3";

export type StorageListing = {
  /** Object keys. */
  objects: string[];
  /** Unfinished multipart uploads (their ids) and their parts (`<uploadId>/<partNumber>`). */
  uploads: string[];
  parts: string[];
  /** Every file, `<path> <bytes> <mtimeMs>`. */
  files: string[];
};

export async function listStorage(s3: Pick<EmbeddedS3, "directory" | "bucket">): Promise<StorageListing> {
  const root = path.join(s3.directory, s3.bucket);
  const files: string[] = [];
  const objects: string[] = [];
  const uploads = new Set<string>();
  const parts: string[] = [];
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(root, full).split(path.sep).join("/");
    const { size, mtimeMs } = await stat(full);
    files.push(`${relative} ${size} ${mtimeMs}`);
    const upload = /^\._S3rver_uploads\/([^/]+)\/([^/]+)$/.exec(relative);
    if (upload) {
      uploads.add(upload[1]!);
      if (/^\d+$/.test(upload[2]!)) parts.push(`${upload[1]}/${upload[2]}`);
    } else if (relative.endsWith("._S3rver_object")) {
      objects.push(relative.slice(0, -"._S3rver_object".length));
    }
  }
  return { objects: objects.sort(), uploads: [...uploads].sort(), parts: parts.sort(), files: files.sort() };
}
