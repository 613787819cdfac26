import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToBase64, bytesToHex } from "./byteEncoding";
import { Md5 } from "./md5";

const text = (s: string) => new TextEncoder().encode(s);
const md5Hex = (bytes: Uint8Array) => bytesToHex(new Md5().update(bytes).digest());

describe("Md5", () => {
  // RFC 1321, appendix A.5.
  it.each([
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "57edf4a22be3c955ac49da2e2107b67a",
    ],
  ])("RFC 1321 vector %j", (input, expected) => {
    expect(md5Hex(text(input))).toBe(expected);
  });

  it("matches node:crypto on every length around the padding boundaries", () => {
    const data = randomBytes(200);
    for (let length = 0; length <= 200; length++) {
      const slice = data.subarray(0, length);
      expect(md5Hex(slice), `length ${length}`).toBe(createHash("md5").update(slice).digest("hex"));
    }
  });

  it("gives the same digest however the input is split into chunks", () => {
    const data = randomBytes(1024 * 1024 + 77);
    const expected = createHash("md5").update(data).digest("hex");
    for (const chunkSize of [1, 63, 64, 65, 1000, 65_536, 512 * 1024 + 3]) {
      const md5 = new Md5();
      // One-byte chunks over megabytes would be slow; the first 4 KiB exercises them.
      const limit = chunkSize === 1 ? 4096 : data.length;
      for (let offset = 0; offset < limit; offset += chunkSize) {
        md5.update(data.subarray(offset, Math.min(offset + chunkSize, limit)));
      }
      if (limit < data.length) md5.update(data.subarray(limit));
      expect(bytesToHex(md5.digest()), `chunk size ${chunkSize}`).toBe(expected);
    }
  });

  it("renders Content-MD5 as standard base64", () => {
    for (const length of [0, 1, 2, 3, 100]) {
      const data = randomBytes(length);
      const digest = new Md5().update(data).digest();
      expect(bytesToBase64(digest)).toBe(createHash("md5").update(data).digest("base64"));
      expect(bytesToBase64(data)).toBe(Buffer.from(data).toString("base64"));
    }
  });

  it("refuses to be used after digest()", () => {
    const md5 = new Md5();
    md5.digest();
    expect(() => md5.update(text("x"))).toThrow();
    expect(() => md5.digest()).toThrow();
  });
});
