/**
 * Verifies client tokens against the providers in `convex/auth.config.ts` and turns the
 * verified claims into the `UserIdentity` that `ctx.auth.getUserIdentity()` returns, as
 * Convex does. OIDC providers are discovered through `<domain>/.well-known/openid-configuration`
 * (for Convex Auth that is this backend's own site origin); custom JWT providers name their
 * JWKS directly.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import type { UserIdentity } from "convex/server";
import type { AuthProviderConfig } from "./loadProject";

export class AuthenticationError extends Error {}

export type VerifiedToken = { identity: UserIdentity; token: string; expiresAtMs: number | null };

// The OIDC standard claims Convex copies onto UserIdentity, by claim name.
const IDENTITY_ATTRIBUTE_BY_CLAIM: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  address: "address",
  updated_at: "updatedAt",
};
// Registered JWT claims that describe the token rather than the user.
const TOKEN_CLAIMS = new Set(["iss", "sub", "aud", "exp", "iat", "nbf", "jti"]);

type ResolvedProvider = { issuer: string; audience: string | undefined; keys: () => Promise<JWTVerifyGetKey> };

export class TokenVerifier {
  private readonly providers: ResolvedProvider[];

  constructor(providers: AuthProviderConfig[]) {
    this.providers = providers.map(resolveProvider);
  }

  async verify(token: string): Promise<VerifiedToken> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new AuthenticationError(
        "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.",
      );
    }
    const audiences = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
    const provider = this.providers.find(
      (candidate) =>
        trimSlash(candidate.issuer) === trimSlash(claims.iss ?? "") &&
        (candidate.audience === undefined || audiences.includes(candidate.audience)),
    );
    if (!provider) {
      throw new AuthenticationError(
        `No auth provider found matching the given token (issuer ${String(claims.iss)}, audience ${audiences.join(",") || "none"}). ` +
          `Check that convex/auth.config.ts lists a provider with this issuer and applicationID.`,
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await provider.keys(), {
        issuer: claims.iss,
        ...(provider.audience === undefined ? {} : { audience: provider.audience }),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError("Token expired");
      throw new AuthenticationError(
        `Could not verify token claim: ${(error as Error).message}. Check that the token signature is valid and the token hasn't expired.`,
      );
    }
    if (typeof payload.sub !== "string" || typeof payload.iss !== "string") {
      throw new AuthenticationError("Token is missing the `sub` or `iss` claim");
    }
    return {
      identity: identityFromClaims(payload as JWTPayload & { sub: string; iss: string }),
      token,
      expiresAtMs: typeof payload.exp === "number" ? payload.exp * 1000 : null,
    };
  }
}

/** Reads `Authorization: Bearer <token>`; undefined when the header is absent or another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  return match?.[1]?.trim();
}

function identityFromClaims(claims: JWTPayload & { sub: string; iss: string }): UserIdentity {
  const identity: Record<string, unknown> = {
    subject: claims.sub,
    issuer: claims.iss,
    tokenIdentifier: `${claims.iss}|${claims.sub}`,
  };
  for (const [claim, value] of Object.entries(claims)) {
    if (TOKEN_CLAIMS.has(claim) || value === undefined) continue;
    identity[IDENTITY_ATTRIBUTE_BY_CLAIM[claim] ?? claim] = value;
  }
  return identity as UserIdentity;
}

function resolveProvider(config: AuthProviderConfig): ResolvedProvider {
  if (config.type === "customJwt") {
    return { issuer: config.issuer, audience: config.applicationID, keys: once(async () => jwksFrom(config.jwks)) };
  }
  if (!config.domain) {
    throw new Error("An auth provider in convex/auth.config.ts has no `domain` (is CONVEX_SITE_URL set?)");
  }
  return {
    issuer: config.domain,
    audience: config.applicationID,
    // Discovered on first use: for Convex Auth the document is served by this backend's
    // own HTTP actions, which are not listening yet while the backend starts.
    keys: once(async () => {
      const discoveryUrl = `${trimSlash(config.domain)}/.well-known/openid-configuration`;
      const response = await fetch(discoveryUrl);
      if (!response.ok) throw new Error(`${discoveryUrl} answered ${response.status}`);
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
      if (!jwksUri) throw new Error(`${discoveryUrl} has no jwks_uri`);
      return createRemoteJWKSet(new URL(jwksUri));
    }),
  };
}

function jwksFrom(jwks: string): JWTVerifyGetKey {
  if (!jwks.startsWith("data:")) return createRemoteJWKSet(new URL(jwks));
  const [meta = "", data = ""] = jwks.slice("data:".length).split(",", 2);
  const text = meta.endsWith(";base64") ? Buffer.from(data, "base64").toString("utf8") : decodeURIComponent(data);
  return createLocalJWKSet(JSON.parse(text) as Parameters<typeof createLocalJWKSet>[0]);
}

/** Memoizes a successful result; a failure is retried on the next call. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
