/**
 * Sync-protocol timestamps: u64 nanoseconds, sent as base64 of the 8 little-endian bytes
 * (the client decodes them with `Long.fromBytesLE`).
 */
const U64_BYTES = 8;

export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(U64_BYTES);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}

export function decodeTs(encoded: string): bigint {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== U64_BYTES) throw new Error(`Invalid timestamp encoding: ${encoded}`);
  return bytes.readBigUInt64LE();
}
