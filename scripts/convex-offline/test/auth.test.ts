// @vitest-environment node
/**
 * Auth against the offline backend: guest sign-in through Convex Auth yields a token the
 * backend verifies against the JWKS Convex Auth serves; forged and expired tokens are
 * refused as on Convex.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConvexClient } from "convex/browser";
import { SignJWT, generateKeyPair, importPKCS8 } from "jose";
import { WebSocket } from "ws";
import { api } from "./fixture/convex/_generated/api";
import { connectClient, httpClient, startTestBackend, waitFor, type TestBackend } from "./harness";

let backend: TestBackend;
const clients: ConvexClient[] = [];

beforeAll(async () => {
  backend = await startTestBackend();
}, 20_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(async () => {
  await backend.stop();
});

function client(): ConvexClient {
  const created = connectClient(backend);
  clients.push(created);
  return created;
}

async function signInAsGuest(signer: ConvexClient): Promise<string> {
  const result = await signer.action(api.auth.signIn, { provider: "anonymous" });
  const token = result.tokens?.token;
  if (!token) throw new Error(`signIn returned no token: ${JSON.stringify(result)}`);
  return token;
}

async function signToken(privateKeyPem: string | CryptoKey, claims: { sub: string; expiresIn: string }) {
  const key = typeof privateKeyPem === "string" ? await importPKCS8(privateKeyPem, "RS256") : privateKeyPem;
  return await new SignJWT({})
    .setProtectedHeader({ alg: "RS256" })
    .setSubject(claims.sub)
    .setIssuer(backend.siteUrl)
    .setAudience("convex")
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn)
    .sign(key);
}

describe("auth", { timeout: 20_000 }, () => {
  it("signs a guest in through Convex Auth and gives functions the verified identity", async () => {
    const user = client();
    const token = await signInAsGuest(user);

    let authenticated: boolean | undefined;
    user.setAuth(
      async () => token,
      (isAuthenticated) => {
        authenticated = isAuthenticated;
      },
    );
    let identity: { subject: string; issuer: string; tokenIdentifier: string; userId: string | null } | null | undefined;
    user.onUpdate(api.messages.whoAmI, {}, (value) => {
      identity = value;
    });
    await waitFor(() => (authenticated === true && identity ? identity : undefined), 5_000, "the signed-in identity");
    const signedIn = identity!;
    expect(signedIn.issuer).toBe(backend.siteUrl);
    expect(signedIn.tokenIdentifier).toBe(`${backend.siteUrl}|${signedIn.subject}`);
    expect(signedIn.subject.startsWith(`${signedIn.userId}|`)).toBe(true);

    // The same token works on the HTTP API and in HTTP actions.
    const http = httpClient(backend);
    http.setAuth(token);
    expect(await http.query(api.messages.whoAmI, {})).toEqual(signedIn);
    const response = await fetch(`${backend.siteUrl}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(await response.json()).toEqual({ subject: signedIn.subject });

    // Mutations run as the user too.
    await user.mutation(api.messages.send, { channel: "authored", body: "mine" });
    expect(await http.query(api.messages.list, { channel: "authored" })).toMatchObject([{ author: signedIn.subject }]);
  });

  it("refuses a forged token on the WebSocket and the HTTP API", async () => {
    const forger = await generateKeyPair("RS256");
    const forged = await signToken(forger.privateKey, { sub: "someone|else", expiresIn: "1h" });

    const user = client();
    let authenticated: boolean | undefined;
    user.setAuth(
      async () => forged,
      (isAuthenticated) => {
        authenticated = isAuthenticated;
      },
    );
    expect(await waitFor(() => authenticated, 5_000, "the auth verdict")).toBe(false);
    expect(await user.query(api.messages.whoAmI, {})).toBeNull();

    const http = httpClient(backend);
    http.setAuth(forged);
    await expect(http.query(api.messages.whoAmI, {})).rejects.toThrow(/Could not verify token/);
  });

  it("drops a socket's identity when its token expires, whatever the client does next", async () => {
    // A raw socket that ignores the AuthError (the official client would fetch a new token).
    const token = await signToken(backend.keys.JWT_PRIVATE_KEY, { sub: "user|short-lived", expiresIn: "2s" });
    const socket = new WebSocket(`${backend.convexUrl.replace(/^http/, "ws")}/api/1.48.0/sync`);
    const received: Array<{ type: string; [key: string]: unknown }> = [];
    socket.on("message", (data) => received.push(JSON.parse(String(data)) as { type: string }));
    await new Promise((resolve) => socket.once("open", resolve));
    try {
      const send = (message: unknown) => socket.send(JSON.stringify(message));
      send({ type: "Connect", sessionId: "11111111-1111-1111-1111-111111111111", connectionCount: 0, lastCloseReason: null });
      send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
      await waitFor(() => received.some((message) => message.type === "AuthError" && message.error === "Token expired") || undefined, 5_000, "Token expired");
      send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "messages:whoAmI", args: [{}] }] });
      await waitFor(() => received.some((message) => JSON.stringify(message).includes('"queryId":0')) || undefined, 5_000, "whoAmI's answer");
      const answer = received.flatMap((message) => (message.type === "Transition" ? (message.modifications as Array<{ queryId: number; value?: unknown }>) : []));
      expect(answer.find((modification) => modification.queryId === 0)?.value).toBeNull();
    } finally {
      socket.close();
    }
  }, 15_000);

  it("refuses an expired token", async () => {
    const expired = await signToken(backend.keys.JWT_PRIVATE_KEY, { sub: "user|session", expiresIn: "-1m" });
    const http = httpClient(backend);
    http.setAuth(expired);
    await expect(http.query(api.messages.whoAmI, {})).rejects.toThrow(/Token expired/);
  });
});
