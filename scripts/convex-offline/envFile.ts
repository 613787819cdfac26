/**
 * The offline backend's counterpart of `npx convex env set`: a JSON object of string
 * values (`.dev/convex-env.json`, written by `npm run dev`) loaded into `process.env`
 * before the functions are imported.
 */
import { existsSync, readFileSync } from "node:fs";

export function readEnvFile(file: string): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file} must hold a JSON object of environment variables`);
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string") throw new Error(`${file}: ${name} must be a string`);
  }
  return parsed as Record<string, string>;
}
