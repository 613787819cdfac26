/**
 * The signing keys Convex Auth needs (`JWT_PRIVATE_KEY`, `JWKS`), generated once per
 * checkout into `.dev/` (gitignored) and reused, so sessions survive a restart of the
 * dev stack. Formats follow Convex Auth's setup script: a PKCS#8 PEM with its newlines
 * replaced by spaces, and a JWKS with the public key marked for signatures.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { loadOrCreatePrivateFile } from "./privateStateFile";

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
  const text = await loadOrCreatePrivateFile(file, async () => JSON.stringify(await generateConvexAuthKeys(), null, 2));
  return JSON.parse(text) as ConvexAuthKeys;
}
