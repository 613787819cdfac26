/**
 * The deployment's HTTP API as `ConvexHttpClient` calls it: `POST /api/query`,
 * `/api/mutation`, `/api/action` (args as `[object]`) and `/api/function` (args as the
 * object), with `Authorization: Bearer <token>`. A function failure is status 560 with the
 * error message and `ConvexError` data, which the client rethrows as a ConvexError.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { convexToJson, type JSONValue } from "convex/values";
import { AuthenticationError, bearerToken, type TokenVerifier } from "./auth";
import type { FunctionExecutor } from "./executor";
import type { FunctionKind } from "./loadProject";
import { PayloadTooLargeError, readBody, sendJson } from "./nodeHttp";

const STATUS_FUNCTION_FAILED = 560;
/** What `GET /version` answers; `npm run dev` polls it to know the backend is ready. */
export const OFFLINE_BACKEND_VERSION = "reeldrop-offline-convex-test";
// Convex caps function arguments at 16 MiB.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const KIND_BY_ENDPOINT: Record<string, FunctionKind | undefined> = {
  "/api/query": "query",
  "/api/mutation": "mutation",
  "/api/action": "action",
  "/api/function": undefined,
};

export function createHttpApiHandler(services: { executor: FunctionExecutor; verifier: TokenVerifier }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const cors = corsHeaders(req);
    const { pathname } = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method === "GET" && pathname === "/version") {
      res.writeHead(200, { "content-type": "text/plain", ...cors });
      res.end(OFFLINE_BACKEND_VERSION);
      return;
    }
    if (req.method !== "POST" || !(pathname in KIND_BY_ENDPOINT)) {
      sendJson(res, 404, { code: "NotFound", message: `No ${req.method} ${pathname} on the offline backend` }, cors);
      return;
    }

    let identity = null;
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const token = bearerToken(authorization);
      try {
        if (token === undefined) throw new AuthenticationError("Only `Authorization: Bearer <token>` is supported (no admin keys)");
        identity = (await services.verifier.verify(token)).identity;
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        sendJson(res, 401, { code: "Unauthenticated", message: error.message }, cors);
        return;
      }
    }

    let request: { path?: unknown; args?: unknown };
    try {
      request = JSON.parse((await readBody(req, MAX_BODY_BYTES)).toString("utf8")) as typeof request;
    } catch (error) {
      const tooLarge = error instanceof PayloadTooLargeError;
      sendJson(res, tooLarge ? 413 : 400, { code: "BadRequest", message: (error as Error).message }, cors);
      return;
    }
    if (typeof request.path !== "string") {
      sendJson(res, 400, { code: "BadRequest", message: "The request body needs a `path`" }, cors);
      return;
    }
    const encodedArgs = (Array.isArray(request.args) ? request.args[0] : request.args) as JSONValue | undefined;
    const expectedKind = KIND_BY_ENDPOINT[pathname];
    const outcome = await services.executor.run(request.path, encodedArgs, identity, {
      caller: "client",
      ...(expectedKind ? { expectedKind } : {}),
    });
    if (outcome.success) {
      sendJson(res, 200, { status: "success", value: convexToJson(outcome.value), logLines: [] }, cors);
    } else {
      sendJson(
        res,
        STATUS_FUNCTION_FAILED,
        {
          status: "error",
          errorMessage: outcome.errorMessage,
          ...(outcome.errorData === undefined ? {} : { errorData: convexToJson(outcome.errorData) }),
          logLines: [],
        },
        cors,
      );
    }
  };
}

/** Convex's API accepts calls from any origin, so browser code on the app origin can use it. */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  return {
    "access-control-allow-origin": req.headers.origin ?? "*",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "content-type, authorization, convex-client",
    "access-control-max-age": "86400",
    vary: "origin",
  };
}
