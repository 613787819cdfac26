/**
 * Starts the same stack as `npm run dev` (offline Convex backend, embedded S3, local worker,
 * Next.js) on free ports, with the oEmbed stand-in, and shares its endpoints with the specs
 * through the environment. Returns the teardown.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevStack } from "../scripts/dev/devStack";
import { startOEmbedStandIn } from "./support/oembedStandIn";

export default async function globalSetup() {
  const oembed = await startOEmbedStandIn();
  process.env.OEMBED_ENDPOINT = oembed.endpoint;
  const stateDir = await mkdtemp(path.join(tmpdir(), "reeldrop-e2e-"));
  const lines: string[] = [];
  const stack = await startDevStack({
    offline: true,
    ports: { app: 0, convex: 0, site: 0, s3: 0 },
    stateDir,
    log: (line) => {
      lines.push(line);
      if (process.env.E2E_VERBOSE) console.log(line);
    },
  }).catch((error: unknown) => {
    console.error(lines.join("\n"));
    throw error;
  });
  process.env.E2E_APP_URL = stack.endpoints.appUrl!;
  process.env.E2E_STACK = JSON.stringify(stack.endpoints);
  return async () => {
    await stack.stop();
    await oembed.stop();
    await rm(stateDir, { recursive: true, force: true });
  };
}
