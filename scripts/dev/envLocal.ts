/**
 * The settings `npm run dev` reads: `.env.local` (where the Convex CLI records a configured
 * deployment, and where R2 credentials can live), overridden by the process environment.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export function readDevSettings(cwd: string): Record<string, string | undefined> {
  const file = path.join(cwd, ".env.local");
  const fromFile = existsSync(file) ? parseDotEnv(readFileSync(file, "utf8")) : {};
  return { ...fromFile, ...process.env };
}

/** KEY=value lines; `#` comments; values optionally in single or double quotes. */
export function parseDotEnv(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1]) continue;
    const raw = match[2] ?? "";
    const quoted = /^(['"])(.*)\1$/.exec(raw);
    entries[match[1]] = quoted ? (quoted[2] ?? "") : raw.replace(/\s+#.*$/, "");
  }
  return entries;
}
