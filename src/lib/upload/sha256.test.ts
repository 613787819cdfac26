import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "./byteEncoding";
import { Sha256 } from "./sha256";

const text = (s: string) => new TextEncoder().encode(s);
const sha256Hex = (bytes: Uint8Array) => bytesToHex(new Sha256().update(bytes).digest());

describe("Sha256", () => {
  // NIST FIPS 180-2 appendix B and the NIST CAVP short-message examples.
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    [
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ],
  ])("NIST vector %j", (input, expected) => {
    expect(sha256Hex(text(input))).toBe(expected);
  });

  it("NIST vector: one million 'a'", () => {
    const sha = new Sha256();
    const thousandA = text("a".repeat(1000));
    for (let i = 0; i < 1000; i++) sha.update(thousandA);
    expect(bytesToHex(sha.digest())).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("matches node:crypto on every length around the padding boundaries", () => {
    const data = randomBytes(200);
    for (let length = 0; length <= 200; length++) {
      const slice = data.subarray(0, length);
      expect(sha256Hex(slice), `length ${length}`).toBe(createHash("sha256").update(slice).digest("hex"));
    }
  });

  it("gives the same digest however the input is split into chunks", () => {
    const data = randomBytes(1024 * 1024 + 77);
    const expected = createHash("sha256").update(data).digest("hex");
    for (const chunkSize of [7, 63, 64, 65, 1000, 65_536, 512 * 1024 + 3]) {
      const sha = new Sha256();
      for (let offset = 0; offset < data.length; offset += chunkSize) {
        sha.update(data.subarray(offset, Math.min(offset + chunkSize, data.length)));
      }
      expect(bytesToHex(sha.digest()), `chunk size ${chunkSize}`).toBe(expected);
    }
  });
});
