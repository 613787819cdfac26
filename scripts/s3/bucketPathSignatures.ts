/**
 * s3rver computes the signature of a request to the bucket itself (ListObjectsV2, ListObjects,
 * ListMultipartUploads: `GET /<bucket>/?…`) over the path `/<bucket>`, where SigV4, the AWS SDK,
 * S3 and R2 use the path as sent, `/<bucket>/`. So every SDK-signed bucket listing was 403
 * SignatureDoesNotMatch here, though R2 answers it. This wraps s3rver's authentication
 * middleware so such a request's canonical URI keeps its trailing slash; every other request is
 * signed as before, and a wrong signature is still refused.
 *
 * s3rver's routes take the middleware when they load, so this module must load first: import it
 * before `@20minutes/s3rver` (`embeddedS3.ts` does); it throws if the routes came first.
 */
import { createRequire } from "node:module";

type Context = {
  path: string;
  mountPath?: string;
  params: { bucket?: string; key?: string };
  state: { vhost?: boolean };
};
type Middleware = (ctx: Context, next: () => Promise<unknown>) => Promise<unknown>;

const PATCHED = Symbol.for("reeldrop.s3rver.bucketPathSignatures");

const require = createRequire(import.meta.url);
const authenticationPath = require.resolve("@20minutes/s3rver/lib/middleware/authentication.js");
const routesPath = require.resolve("@20minutes/s3rver/lib/routes.js");

const loaded = require.cache[authenticationPath]?.exports as { [PATCHED]?: true } | undefined;
if (loaded?.[PATCHED]) {
  // Patched already: this module was evaluated again in the same process (a test runner's fresh module graph).
} else if (require.cache[routesPath] !== undefined) {
  throw new Error("scripts/s3/bucketPathSignatures.ts must be imported before @20minutes/s3rver, whose routes were loaded first");
} else {
  const createAuthentication = require(authenticationPath) as () => Middleware;
  require.cache[authenticationPath]!.exports = Object.assign(() => {
    const authenticate = createAuthentication();
    return (ctx: Context, next: () => Promise<unknown>) => {
      const { bucket, key } = ctx.params;
      const toBucketWithSlash = bucket !== undefined && !key && !ctx.state.vhost && !ctx.mountPath && ctx.path === `/${bucket}/`;
      if (!toBucketWithSlash) return authenticate(ctx, next);
      // s3rver's canonical resource for a virtual-host request is "/<bucket>" + mountPath:
      // with mountPath "/" that is "/<bucket>/", the path this request was sent (and signed) with.
      ctx.state.vhost = true;
      ctx.mountPath = "/";
      let restored = false;
      const restore = () => {
        if (restored) return;
        restored = true;
        delete ctx.state.vhost;
        delete ctx.mountPath;
      };
      return authenticate(ctx, () => {
        restore();
        return next();
      }).finally(restore);
    };
  }, { [PATCHED]: true as const });
}
