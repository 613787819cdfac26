/**
 * The deployment's site origin (`CONVEX_SITE_URL`): every request is routed through
 * `convex/http.ts`. A valid `Authorization: Bearer <JWT>` becomes `ctx.auth`'s identity;
 * any other Authorization value (for example a shared worker secret) is left for the
 * action to read and the request runs unauthenticated.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerToken, type TokenVerifier } from "./auth";
import type { FunctionExecutor } from "./executor";
import { PayloadTooLargeError, readBody, sendWebResponse, toWebRequest } from "./nodeHttp";

// Convex caps HTTP action request bodies at 20 MiB.
const MAX_BODY_BYTES = 20 * 1024 * 1024;

export function createHttpActionHandler(services: {
  executor: FunctionExecutor;
  verifier: TokenVerifier;
  siteUrl: string;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Buffer | undefined;
    if (req.method !== "GET" && req.method !== "HEAD") {
      try {
        body = await readBody(req, MAX_BODY_BYTES);
      } catch (error) {
        if (!(error instanceof PayloadTooLargeError)) throw error;
        res.writeHead(413).end(error.message);
        return;
      }
    }
    const request = toWebRequest(req, services.siteUrl, body);
    const token = bearerToken(req.headers.authorization);
    const identity = token ? await services.verifier.verify(token).then((verified) => verified.identity, () => null) : null;
    await sendWebResponse(await services.executor.runHttpAction(request, identity), res);
  };
}
