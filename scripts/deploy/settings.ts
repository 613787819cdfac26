/**
 * Every value `npm run deploy` needs, by name: read from the environment, then from an env file
 * (`.env.deploy.local` unless `--env-file` says otherwise; the environment wins), checked all
 * together so that one run names everything missing. Problems name settings, never values.
 */
import { existsSync, readFileSync } from "node:fs";
import { readBucketRuleSettings } from "../r2/applyBucketRules";
import { parseDotEnv } from "../dev/envLocal";
import { PASSED_THROUGH_SETTINGS } from "../dev/functionEnv";

export type SettingsSource = Readonly<Record<string, string | undefined>>;

/** The values a deploy cannot do without, with where a new user finds each. */
export const REQUIRED_SETTINGS = [
  ["CONVEX_DEPLOY_KEY", "the production deployment's deploy key (Convex dashboard → your project → Production → Settings → Deploy keys)"],
  ["CONVEX_URL", "the production deployment's URL, https://<name>.convex.cloud (same page)"],
  ["SITE_URL", "the app's public origin, e.g. https://reeldrop.example (where you host the Next.js app)"],
  ["R2_ENDPOINT", "https://<account id>.r2.cloudflarestorage.com (Cloudflare dashboard → R2)"],
  ["R2_BUCKET", "the R2 bucket's name"],
  ["R2_ACCESS_KEY_ID", "the app's R2 API token (Object Read & Write on the bucket): its Access Key ID"],
  ["R2_SECRET_ACCESS_KEY", "the same token's Secret Access Key"],
  ["R2_ADMIN_ACCESS_KEY_ID", "an R2 API token with Admin Read & Write, to set the bucket's CORS and lifecycle rules: its Access Key ID"],
  ["R2_ADMIN_SECRET_ACCESS_KEY", "the same admin token's Secret Access Key"],
  ["MODAL_TOKEN_ID", "a Modal API token's id, ak-… (modal.com → Settings → API Tokens)"],
  ["MODAL_TOKEN_SECRET", "the same token's secret, as-…"],
] as const;

/** Made by the deploy when not given, and kept (see `generatedSecrets.ts`). */
export const GENERATED_SETTINGS = ["WORKER_SECRET", "JWT_PRIVATE_KEY", "JWKS"] as const;

/** The README's optional function settings, set on the deployment when given. */
export const OPTIONAL_FUNCTION_SETTINGS = [
  ...PASSED_THROUGH_SETTINGS,
  "MODAL_APP_NAME",
  "MODAL_FUNCTION_NAME",
  "MODAL_CAPTIONS_FUNCTION_NAME",
  "MODAL_ENVIRONMENT",
] as const;

/** Optional settings of the deploy itself. */
export const OPTIONAL_DEPLOY_SETTINGS = ["CONVEX_SITE_URL", "APP_ORIGIN", "R2_ABORT_INCOMPLETE_UPLOADS_DAYS"] as const;

/** Never printed: the dry run and the log show `<redacted>` in their place. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  "CONVEX_DEPLOY_KEY",
  "R2_SECRET_ACCESS_KEY",
  "R2_ADMIN_SECRET_ACCESS_KEY",
  "MODAL_TOKEN_SECRET",
  ...GENERATED_SETTINGS,
]);

export type DeploySettings = {
  /** Every setting given, trimmed, blanks dropped. */
  values: Readonly<Record<string, string>>;
  /** From the deploy key, `prod:<name>|…`: names the folder the generated secrets are kept in. */
  deploymentName: string;
  convexUrl: string;
  /** Where the worker reaches the HTTP API: CONVEX_SITE_URL, else CONVEX_URL's `.convex.site` twin. */
  convexSiteUrl: string;
  /** The origins the bucket's CORS allows: APP_ORIGIN, else SITE_URL. */
  appOrigin: string;
};

export type SettingsResult = { ok: true; settings: DeploySettings } | { ok: false; problems: string[] };

/** The env file's lines, overridden by the environment's non-blank values; `undefined` text means no file. */
export function mergeSettingsSources(environment: SettingsSource, envFileText: string | undefined): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const source of [parseDotEnv(envFileText ?? ""), environment]) {
    for (const [name, value] of Object.entries(source)) {
      const trimmed = value?.trim();
      if (trimmed) merged[name] = trimmed;
    }
  }
  return merged;
}

export function readEnvFileText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

export function readDeploySettings(values: Readonly<Record<string, string>>): SettingsResult {
  const problems: string[] = [];
  for (const [name, help] of REQUIRED_SETTINGS) {
    if (!values[name]) problems.push(`${name} is not set: ${help}`);
  }
  if (Boolean(values.JWT_PRIVATE_KEY) !== Boolean(values.JWKS)) {
    problems.push("JWT_PRIVATE_KEY and JWKS are a pair: give both, or neither to have them generated");
  }

  const deployKey = values.CONVEX_DEPLOY_KEY;
  const deploymentName = deployKey ? /^(?:prod|dev):([a-z0-9-]+)\|./.exec(deployKey)?.[1] : undefined;
  if (deployKey && !deploymentName) {
    problems.push("CONVEX_DEPLOY_KEY is not a deployment's deploy key (one starts with prod:<deployment name>|)");
  }

  const convexUrl = values.CONVEX_URL ?? "";
  const convexHost = httpsHost(convexUrl);
  if (convexUrl && !convexHost) problems.push(`CONVEX_URL is "${convexUrl}", not an https URL`);
  if (convexHost && deploymentName && convexHost.split(".")[0] !== deploymentName) {
    problems.push(`CONVEX_URL (${convexUrl}) is not the deployment CONVEX_DEPLOY_KEY is for (${deploymentName})`);
  }
  const convexSiteUrl =
    values.CONVEX_SITE_URL ??
    (convexHost?.endsWith(".convex.cloud") ? `https://${convexHost.replace(/\.convex\.cloud$/, ".convex.site")}` : "");
  if (convexHost && !convexSiteUrl) {
    problems.push("CONVEX_SITE_URL is not set, and CONVEX_URL is not a *.convex.cloud URL to derive it from");
  }
  if (values.CONVEX_SITE_URL && !httpsHost(values.CONVEX_SITE_URL)) {
    problems.push(`CONVEX_SITE_URL is "${values.CONVEX_SITE_URL}", not an https URL`);
  }

  const siteUrl = values.SITE_URL;
  if (siteUrl && (!URL.canParse(siteUrl) || new URL(siteUrl).origin !== siteUrl)) {
    problems.push(`SITE_URL is "${siteUrl}", not an origin like https://reeldrop.example (no path, no trailing slash)`);
  }
  const appOrigin = values.APP_ORIGIN ?? siteUrl ?? "";
  if (values.R2_ENDPOINT && values.R2_BUCKET && values.R2_ACCESS_KEY_ID && values.R2_SECRET_ACCESS_KEY && appOrigin) {
    // The bucket-rules script's own checks (the endpoint, APP_ORIGIN, the abort window), up front.
    const rules = readBucketRuleSettings({ ...values, APP_ORIGIN: appOrigin });
    if (!rules.ok) problems.push(...rules.problems);
  }

  if (problems.length > 0 || !deploymentName) return { ok: false, problems };
  return { ok: true, settings: { values, deploymentName, convexUrl, convexSiteUrl, appOrigin } };
}

function httpsHost(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "https:" ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}
