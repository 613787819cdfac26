/**
 * The embedded S3-compatible server for dev and tests: @20minutes/s3rver verifies SigV4
 * signatures and URL expiry and enforces bucket CORS, as R2 does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import { corsRuleXml } from "./corsRule";

/** s3rver's built-in account; only ever used against the local server. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export type EmbeddedS3Options = {
  /** 0 picks a free port. */
  port?: number;
  bucket: string;
  allowedOrigins: readonly string[];
  /** Where objects are stored; a fresh temporary folder (removed on stop) when omitted. */
  directory?: string;
};

export type EmbeddedS3 = {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  directory: string;
  stop(): Promise<void>;
};

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), "reeldrop-s3-")));
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [corsRuleXml(options.allowedOrigins)] }],
  });
  const address = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: options.bucket,
    ...EMBEDDED_S3_CREDENTIALS,
    directory,
    async stop() {
      await server.close();
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
