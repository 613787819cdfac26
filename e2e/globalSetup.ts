/**
 * Starts the same stack as `npm run dev` (offline Convex backend, local worker, Next.js) on
 * free ports, with the oEmbed stand-in, and shares its endpoints with the specs through the
 * environment. Returns the teardown.
 *
 * Storage is the embedded S3 server behind the fault-injecting proxy (`support/faultyS3Proxy.ts`):
 * the stack is given the proxy's URL as `R2_ENDPOINT`, the way it is given R2, so every
 * presigned URL points at the proxy. The app's port is chosen first because the bucket's CORS
 * rule must name the app's origin before the S3 server starts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevStack } from "../scripts/dev/devStack";
import { reservePort } from "../scripts/dev/ports";
import { startEmbeddedS3 } from "../scripts/s3/embeddedS3";
import { startFaultyS3Proxy } from "./support/faultyS3Proxy";
import { startOEmbedStandIn } from "./support/oembedStandIn";

const BUCKET = "reeldrop-e2e";

export default async function globalSetup() {
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    if (process.env.E2E_VERBOSE) console.log(line);
  };
  const stops: Array<() => Promise<unknown>> = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    const oembed = await startOEmbedStandIn();
    stops.push(oembed.stop);
    process.env.OEMBED_ENDPOINT = oembed.endpoint;

    const appPort = await reservePort("Next.js");
    const s3 = await startEmbeddedS3({
      port: 0,
      bucket: BUCKET,
      allowedOrigins: [`http://localhost:${appPort}`, `http://127.0.0.1:${appPort}`],
    });
    stops.push(s3.stop);
    // Sources stay for the specs' byte-for-byte checks (see retainSources).
    const proxy = await startFaultyS3Proxy({ target: s3.endpoint, retainSources: true });
    stops.push(proxy.stop);
    // devStack reads storage settings from the environment and then starts no storage of its own.
    Object.assign(process.env, {
      R2_ENDPOINT: proxy.endpoint,
      R2_BUCKET: s3.bucket,
      R2_ACCESS_KEY_ID: s3.accessKeyId,
      R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    process.env.E2E_S3_PROXY_CONTROL = proxy.controlUrl;
    process.env.E2E_S3 = JSON.stringify({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });

    const stateDir = await mkdtemp(path.join(tmpdir(), "reeldrop-e2e-"));
    stops.push(() => rm(stateDir, { recursive: true, force: true }));
    const stack = await startDevStack({
      offline: true,
      ports: { app: appPort, convex: 0, site: 0, s3: 0 },
      stateDir,
      log,
    });
    stops.push(stack.stop);
    process.env.E2E_APP_URL = stack.endpoints.appUrl!;
    process.env.E2E_STACK = JSON.stringify(stack.endpoints);
  } catch (error) {
    console.error(lines.join("\n"));
    await teardown();
    throw error;
  }
  return teardown;
}
