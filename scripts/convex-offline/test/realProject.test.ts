// @vitest-environment node
/**
 * Boots the offline backend on the project's real `convex/` folder and signs in as a
 * guest. It relies only on what `convex/auth.ts` exports (Convex Auth with the Anonymous
 * provider), since the rest of `convex/` changes independently.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyApi } from "convex/server";
import { connectClient, startTestBackend, waitFor, type TestBackend } from "./harness";

const PROJECT_FUNCTIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../convex");

let backend: TestBackend;

beforeAll(async () => {
  backend = await startTestBackend(PROJECT_FUNCTIONS_DIR);
}, 30_000);
afterAll(async () => {
  await backend?.stop();
});

describe("the project's convex/ folder", { timeout: 20_000 }, () => {
  it("loads and lets a guest sign in", async () => {
    const guest = connectClient(backend);
    try {
      const result = (await guest.action(anyApi.auth!.signIn!, { provider: "anonymous" })) as {
        tokens?: { token: string } | null;
      };
      const token = result.tokens?.token;
      expect(token).toEqual(expect.any(String));
      let authenticated: boolean | undefined;
      guest.setAuth(
        async () => token,
        (isAuthenticated) => {
          authenticated = isAuthenticated;
        },
      );
      expect(await waitFor(() => authenticated, 5_000, "the auth verdict")).toBe(true);
      expect(await guest.query(anyApi.auth!.isAuthenticated!, {})).toBe(true);
    } finally {
      await guest.close();
    }
  });
});
