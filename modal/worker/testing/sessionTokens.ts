/**
 * Several tokens for one signed-in guest, one per connection, as Convex Auth hands them out: the
 * guest signs in once (Anonymous: every sign-in is a new user, so a second sign-in cannot be the
 * same owner) and its session's refresh token is exchanged for a new JWT and refresh token, as
 * the client does before a token expires. Each exchange is a separate `auth.signIn` call; the
 * tokens are distinct strings for the same user and session (`sub` = `<userId>|<sessionId>`).
 * A JWT's only varying claims are `iat` and `exp`, in whole seconds, so an exchange that
 * returns a token already held (same second) is repeated in the next second.
 */
import { ConvexHttpClient } from "convex/browser";
import { decodeJwt } from "jose";
import { api } from "../../../convex/_generated/api";

export type GuestTokens = {
  /** `<userId>|<sessionId>`, the same in every token. */
  subject: string;
  /** Distinct JWTs, the first from the sign-in, the others from refresh-token exchanges. */
  tokens: string[];
};

type SignInResult = { tokens?: { token: string; refreshToken: string } | null };

export async function guestWithTokens(convexUrl: string, count: number): Promise<GuestTokens> {
  const client = new ConvexHttpClient(convexUrl, { logger: false });
  const first = ((await client.action(api.auth.signIn, { provider: "anonymous" })) as SignInResult).tokens;
  if (!first) throw new Error("Guest sign-in returned no tokens");
  const subject = subjectOf(first.token);
  const tokens = [first.token];
  let refreshToken = first.refreshToken;
  for (let exchanges = 0; tokens.length < count; exchanges++) {
    if (exchanges > count * 4) throw new Error(`${exchanges} refresh-token exchanges gave only ${tokens.length} distinct tokens`);
    const next = ((await client.action(api.auth.signIn, { refreshToken })) as SignInResult).tokens;
    if (!next) throw new Error("The refresh-token exchange returned no tokens");
    if (subjectOf(next.token) !== subject) throw new Error(`A refreshed token names ${subjectOf(next.token)}, not ${subject}`);
    refreshToken = next.refreshToken;
    if (tokens.includes(next.token)) {
      // Issued in the same second as one already held: wait for the next second.
      await new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)));
      continue;
    }
    tokens.push(next.token);
  }
  return { subject, tokens };
}

function subjectOf(token: string): string {
  const { sub } = decodeJwt(token);
  if (typeof sub !== "string") throw new Error("A Convex Auth token without sub");
  return sub;
}
