/**
 * A value the dev stack creates once and keeps in its state folder (`.dev/` by default), readable
 * by the owner only, so that it stays the same from one run to the next.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** The text kept in `file`, or, when there is none (or only blanks), `create()`'s, written there first. */
export async function loadOrCreatePrivateFile(file: string, create: () => string | Promise<string>): Promise<string> {
  const kept = existsSync(file) ? (await readFile(file, "utf8")).trim() : "";
  if (kept) return kept;
  const created = await create();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${created}\n`, { mode: 0o600 });
  return created;
}
