/**
 * Storage settings and upload limits: their names, defaults and parsing, in one place. Pure, so
 * Convex (through `model/uploadConfig.ts`) and the R2 set-up script read them the same way.
 */
import { MAX_PLANNABLE_BYTES } from "./partPlan";
import { positiveSetting, wholeSetting } from "./settingNumbers";

export const STORAGE_ENV_NAMES = {
  endpoint: "R2_ENDPOINT",
  bucket: "R2_BUCKET",
  accessKeyId: "R2_ACCESS_KEY_ID",
  secretAccessKey: "R2_SECRET_ACCESS_KEY",
} as const;

export type StorageConfig = { [K in keyof typeof STORAGE_ENV_NAMES]: string };

export type EnvSource = Readonly<Record<string, string | undefined>>;

export type StorageConfigResult =
  | { ok: true; config: StorageConfig }
  /** The names of the settings that are missing or unusable; never their values. */
  | { ok: false; problems: string[] };

export function parseStorageConfig(source: EnvSource): StorageConfigResult {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = source[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? "";
  };
  const config: StorageConfig = {
    endpoint: read(STORAGE_ENV_NAMES.endpoint),
    bucket: read(STORAGE_ENV_NAMES.bucket),
    accessKeyId: read(STORAGE_ENV_NAMES.accessKeyId),
    secretAccessKey: read(STORAGE_ENV_NAMES.secretAccessKey),
  };
  if (config.endpoint && !isHttpUrl(config.endpoint)) {
    problems.push(`${STORAGE_ENV_NAMES.endpoint} is not an http(s) URL`);
  }
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

export const UPLOAD_LIMIT_DEFAULTS = {
  maxUploadBytes: 20 * 1024 * 1024 * 1024,
  urlTtlSeconds: 3600,
  abandonHours: 24,
} as const;

export type UploadLimits = { maxUploadBytes: number; urlTtlSeconds: number; abandonHours: number };

/** SigV4 presigned URLs live at most 7 days. */
const MAX_URL_TTL_SECONDS = 7 * 24 * 3600;

/** `MAX_UPLOAD_BYTES`, `UPLOAD_URL_TTL_SECONDS`, `UPLOAD_ABANDON_HOURS`; unusable values fall back to the defaults. */
export function parseUploadLimits(source: EnvSource): UploadLimits {
  return {
    maxUploadBytes: Math.min(
      wholeSetting(source.MAX_UPLOAD_BYTES, UPLOAD_LIMIT_DEFAULTS.maxUploadBytes),
      MAX_PLANNABLE_BYTES,
    ),
    urlTtlSeconds: Math.min(
      wholeSetting(source.UPLOAD_URL_TTL_SECONDS, UPLOAD_LIMIT_DEFAULTS.urlTtlSeconds),
      MAX_URL_TTL_SECONDS,
    ),
    abandonHours: positiveSetting(source.UPLOAD_ABANDON_HOURS, UPLOAD_LIMIT_DEFAULTS.abandonHours),
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
