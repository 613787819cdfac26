// @vitest-environment node
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { loadOrCreateConvexAuthKeys } from "./convexAuthKeys";

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "reeldrop-auth-keys-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

test("the auth keys are generated once, kept private, and the same on the next run", async () => {
  const file = path.join(folder, "state", "convex-auth-keys.json");
  const keys = await loadOrCreateConvexAuthKeys(file);
  expect(keys.JWT_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY----- .+ -----END PRIVATE KEY-----$/);
  expect(JSON.parse(keys.JWKS)).toMatchObject({ keys: [{ use: "sig", kty: "RSA" }] });
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(await loadOrCreateConvexAuthKeys(file)).toEqual(keys);
});
