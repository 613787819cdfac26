/**
 * CRC32C (Castagnoli; reflected polynomial 0x82F63B78), the checksum storage verifies on each
 * uploaded part (`x-amz-checksum-crc32c`) and the worker recomputes over the whole source.
 * Pure: no Node or browser APIs, so Convex's default runtime, the browser and the worker share it.
 *
 * - `crc32cUpdate(crc, bytes)` continues a CRC the way zlib's `crc32(crc, buf, len)` does: start
 *   from 0 (`CRC32C_INITIAL`) and pass each result on; the value after the last chunk is the
 *   CRC32C of all the bytes. Slicing-by-16 tables, 16 bytes (four aligned 32-bit words) a step.
 * - `crc32cCombine(crcA, crcB, lengthB)` is zlib's `crc32_combine`: the CRC of A followed by B
 *   from the two CRCs and B's length, without the bytes (zlib 1.2.12's form of the GF(2) method:
 *   multiply crcA by x^(8·lengthB) modulo the polynomial). Lengths are whole numbers of bytes up
 *   to 2^53 − 1, so parts of 5 GiB and objects of 20 GiB and more are exact.
 * - S3's header value: base64 of the CRC's 4 bytes, big-endian (`crc32cToBase64`,
 *   `crc32cFromBase64`, `isCrc32cChecksum`), and S3's composite multipart checksum
 *   (`s3CompositeCrc32c`: the CRC32C of the parts' 4-byte checksums, then `-<part count>`).
 */

export const CRC32C_POLYNOMIAL = 0x82f63b78;
/** The CRC of no bytes; the `crc` to start `crc32cUpdate` from. */
export const CRC32C_INITIAL = 0;

const SLICES = 16;

/** Table k (k = 0…15) at [256·k, 256·k + 256): the CRC of a byte followed by k zero bytes. */
const TABLES: Int32Array = (() => {
  const tables = new Int32Array(256 * SLICES);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ CRC32C_POLYNOMIAL : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let k = 1; k < SLICES; k++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[256 * k + n] = c;
    }
  }
  return tables;
})();

/** Words read through an Int32Array are little-endian only on a little-endian machine. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The CRC32C of `bytes` continued from `crc` (the CRC of the bytes before them; 0 to start). */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  const t = TABLES;
  const length = bytes.length;
  let c = ~crc | 0;
  let i = 0;
  // Byte by byte up to a 4-byte boundary, then 16 bytes a step as four aligned 32-bit words.
  while (i < length && (bytes.byteOffset + i) % 4 !== 0) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  const steps = LITTLE_ENDIAN ? Math.floor((length - i) / 16) : 0;
  if (steps > 0) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, steps * 4);
    for (let w = 0; w < words.length; w += 4) {
      const w0 = c ^ words[w]!;
      const w1 = words[w + 1]!;
      const w2 = words[w + 2]!;
      const w3 = words[w + 3]!;
      c =
        t[3840 + (w0 & 0xff)]! ^
        t[3584 + ((w0 >>> 8) & 0xff)]! ^
        t[3328 + ((w0 >>> 16) & 0xff)]! ^
        t[3072 + (w0 >>> 24)]! ^
        t[2816 + (w1 & 0xff)]! ^
        t[2560 + ((w1 >>> 8) & 0xff)]! ^
        t[2304 + ((w1 >>> 16) & 0xff)]! ^
        t[2048 + (w1 >>> 24)]! ^
        t[1792 + (w2 & 0xff)]! ^
        t[1536 + ((w2 >>> 8) & 0xff)]! ^
        t[1280 + ((w2 >>> 16) & 0xff)]! ^
        t[1024 + (w2 >>> 24)]! ^
        t[768 + (w3 & 0xff)]! ^
        t[512 + ((w3 >>> 8) & 0xff)]! ^
        t[256 + ((w3 >>> 16) & 0xff)]! ^
        t[w3 >>> 24]!;
    }
    i += steps * 16;
  }
  while (i < length) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cUpdate(CRC32C_INITIAL, bytes);
}

/** a(x)·b(x) modulo the polynomial, both reflected (bit 31 is x^0). */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ CRC32C_POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/**
 * X_POW_2_POW[k] = x^(2^k) modulo the polynomial, for every k a length up to 2^53 bytes needs
 * (k ≤ 3 + 53). zlib's table has 32 entries and wraps k, which is right for CRC-32's polynomial
 * but not for Castagnoli's (its degree-31 factor makes x^(2^32) ≠ x): lengths of 512 MiB and
 * more would come out wrong.
 */
const X_POW_2_POW: Uint32Array = (() => {
  const table = new Uint32Array(64);
  let p = 0x40000000; // x^1
  table[0] = p;
  for (let k = 1; k < table.length; k++) table[k] = p = multiplyModP(p, p);
  return table;
})();

/** x^(n·2^k) modulo the polynomial, for a whole number n up to 2^53 − 1. */
function xPowNTimes2PowK(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(X_POW_2_POW[k]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC32C of A followed by B, from A's CRC, B's CRC and B's length in bytes (zlib's `crc32_combine`). */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
    throw new RangeError(`crc32cCombine: lengthB must be a whole number of bytes, got ${lengthB}`);
  }
  return (multiplyModP(xPowNTimes2PowK(lengthB, 3), crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** 4 bytes are 32 bits in 6 base64 digits (36 bits), two `=`; the last digit's low 4 bits are 0. */
const CHECKSUM_PATTERN = /^[A-Za-z0-9+/]{5}[AQgw]==$/;

/** S3's `x-amz-checksum-crc32c` value for a CRC: base64 of its 4 bytes, big-endian. */
export function crc32cToBase64(crc: number): string {
  const bits = crc >>> 0;
  // 32 bits then 4 zero bits, in six 6-bit digits from the most significant.
  const digits = [26, 20, 14, 8, 2].map((shift) => BASE64[(bits >>> shift) & 63]!);
  return `${digits.join("")}${BASE64[(bits & 3) << 4]!}==`;
}

/** True for exactly what `crc32cToBase64` writes: 8 base64 characters ending in `==`, 4 bytes. */
export function isCrc32cChecksum(value: unknown): value is string {
  return typeof value === "string" && CHECKSUM_PATTERN.test(value);
}

/** The CRC in an `x-amz-checksum-crc32c` value; throws on a value `isCrc32cChecksum` refuses. */
export function crc32cFromBase64(value: string): number {
  if (!isCrc32cChecksum(value)) throw new RangeError(`Not a CRC32C checksum value: ${JSON.stringify(value)}`);
  let bits = 0;
  for (let i = 0; i < 5; i++) bits = (bits << 6) | BASE64.indexOf(value[i]!);
  // 30 bits so far; the sixth digit carries the last 2 bits in its top.
  return ((bits << 2) | (BASE64.indexOf(value[5]!) >>> 4)) >>> 0;
}

/**
 * S3's composite checksum of a multipart object uploaded with CRC32C: the CRC32C of the parts'
 * checksums (4 bytes each, big-endian, in part order), then `-<part count>`. It is not the
 * object's own CRC32C; that one is the parts' CRCs combined (`crc32cCombine`).
 */
export function s3CompositeCrc32c(partChecksums: readonly string[]): string {
  const bytes = new Uint8Array(4 * partChecksums.length);
  partChecksums.forEach((checksum, index) => {
    const crc = crc32cFromBase64(checksum);
    bytes[4 * index] = crc >>> 24;
    bytes[4 * index + 1] = (crc >>> 16) & 0xff;
    bytes[4 * index + 2] = (crc >>> 8) & 0xff;
    bytes[4 * index + 3] = crc & 0xff;
  });
  return `${crc32cToBase64(crc32c(bytes))}-${partChecksums.length}`;
}
