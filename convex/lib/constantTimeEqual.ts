/**
 * Compares two secrets in time that depends on neither their contents nor their lengths:
 * both are hashed to 32 bytes first, then every byte is compared. Runs in Convex's runtime,
 * Node and browsers (WebCrypto only).
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [digestA, digestB] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const bytesA = new Uint8Array(digestA);
  const bytesB = new Uint8Array(digestB);
  let difference = 0;
  for (let i = 0; i < bytesA.length; i++) difference |= bytesA[i]! ^ bytesB[i]!;
  return difference === 0;
}
