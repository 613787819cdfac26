/**
 * The signing keys Convex Auth needs (`JWT_PRIVATE_KEY`, `JWKS`), generated once per
 * checkout into `.dev/` (gitignored) and reused, so sessions survive a restart of the
 * dev stack. Formats follow Convex Auth's setup script: a PKCS#8 PEM with its newlines
 * replaced by spaces, and a JWKS with the public key marked for signatures.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";

export type ConvexAuthKeys = { JWT_PRIVATE_KEY: string; JWKS: string };

export async function generateConvexAuthKeys(): Promise<ConvexAuthKeys> {
  const keys = await generateKeyPair("RS256", { extractable: true });
  const privateKey = await exportPKCS8(keys.privateKey);
  const publicKey = await exportJWK(keys.publicKey);
  return {
    JWT_PRIVATE_KEY: privateKey.trimEnd().replace(/\n/g, " "),
    JWKS: JSON.stringify({ keys: [{ use: "sig", ...publicKey }] }),
  };
}

export async function loadOrCreateConvexAuthKeys(file: string): Promise<ConvexAuthKeys> {
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as ConvexAuthKeys;
  const keys = await generateConvexAuthKeys();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
