/**
 * Loads a Convex functions folder the way the Convex CLI sees it: which modules are
 * function modules, what each export is (query/mutation/action, public/internal), the
 * schema, the HTTP router, the cron jobs and the auth providers. The modules map it builds
 * is what `convexTest(schema, modules)` executes.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { GenericSchema, HttpRouter, SchemaDefinition } from "convex/server";
import type { JSONValue } from "convex/values";
import type { CronSchedule } from "./cronSchedule";

export type FunctionKind = "query" | "mutation" | "action";

export type RegisteredFunction = {
  /** Canonical path, as clients send it: "dir/module:export". */
  path: string;
  kind: FunctionKind;
  visibility: "public" | "internal";
};

export type CronJob = { identifier: string; functionPath: string; args: JSONValue; schedule: CronSchedule };

/** A provider entry of `convex/auth.config.ts`. */
export type AuthProviderConfig =
  | { type?: undefined; domain: string; applicationID: string }
  | { type: "customJwt"; issuer: string; jwks: string; algorithm: string; applicationID?: string };

export type ConvexProject = {
  functionsDir: string;
  schema: SchemaDefinition<GenericSchema, boolean> | undefined;
  /** Module loaders keyed by absolute path, including `_generated/`, as `convexTest` wants them. */
  modules: Record<string, () => Promise<unknown>>;
  functions: Map<string, RegisteredFunction>;
  /** Function modules that failed to import, by module path ("dir/module"). */
  failedModules: Map<string, unknown>;
  /** `undefined` when there is no http module; an Error when it failed to load. */
  httpRouter: HttpRouter | Error | undefined;
  crons: CronJob[];
  authProviders: AuthProviderConfig[];
};

// The Convex CLI's bundler entry-point rules (see `entryPoints` in the convex CLI).
const ENTRY_POINT_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".jsx"];
const GENERATED_DIR = "_generated";

export async function loadProject(functionsDir: string): Promise<ConvexProject> {
  const root = path.resolve(functionsDir);
  if (!existsSync(path.join(root, GENERATED_DIR))) {
    throw new Error(
      `${root} has no ${GENERATED_DIR}/ folder: run \`npx convex codegen --system-udfs --typecheck disable\` first.`,
    );
  }
  const files = await listFiles(root);
  const modules: Record<string, () => Promise<unknown>> = {};
  const functionModules = new Map<string, string>();
  for (const file of files) {
    const relative = toPosix(path.relative(root, file));
    const isGenerated = relative.startsWith(`${GENERATED_DIR}/`);
    if (isGenerated ? !/\.(js|ts)$/.test(relative) || relative.endsWith(".d.ts") : !isFunctionModule(relative)) {
      continue;
    }
    modules[toPosix(file)] = () => importFile(file);
    if (!isGenerated) functionModules.set(stripExtension(relative), file);
  }

  const functions = new Map<string, RegisteredFunction>();
  const failedModules = new Map<string, unknown>();
  const exportsByModule = new Map<string, Record<string, unknown>>();
  for (const [modulePath, file] of functionModules) {
    try {
      const exported = (await importFile(file)) as Record<string, unknown>;
      exportsByModule.set(modulePath, exported);
      for (const [exportName, value] of Object.entries(exported)) {
        const registered = describeFunction(`${modulePath}:${exportName}`, value);
        if (registered) functions.set(registered.path, registered);
      }
    } catch (error) {
      failedModules.set(modulePath, error);
    }
  }

  return {
    functionsDir: root,
    schema: await loadDefaultExport(root, "schema"),
    modules,
    functions,
    failedModules,
    httpRouter: functionModules.has("http")
      ? (failedModules.get("http") as Error | undefined) ?? (exportsByModule.get("http")?.default as HttpRouter)
      : undefined,
    crons: readCrons(exportsByModule.get("crons")?.default),
    authProviders: ((await loadDefaultExport<{ providers?: AuthProviderConfig[] }>(root, "auth.config"))?.providers ?? []),
  };
}

/** "messages" → "messages:default", "messages.js:list" → "messages:list" (the client's canonical form). */
export function canonicalFunctionPath(udfPath: string): string {
  const separator = udfPath.lastIndexOf(":");
  const modulePath = separator === -1 ? udfPath : udfPath.slice(0, separator);
  const exportName = separator === -1 ? "default" : udfPath.slice(separator + 1);
  return `${modulePath.replace(/\.js$/, "")}:${exportName}`;
}

function describeFunction(functionPath: string, value: unknown): RegisteredFunction | undefined {
  if (typeof value !== "function" && (typeof value !== "object" || value === null)) return undefined;
  const flags = value as { isQuery?: boolean; isMutation?: boolean; isAction?: boolean; isPublic?: boolean };
  const kind: FunctionKind | undefined = flags.isQuery
    ? "query"
    : flags.isMutation
      ? "mutation"
      : flags.isAction
        ? "action"
        : undefined;
  if (kind === undefined) return undefined;
  return { path: functionPath, kind, visibility: flags.isPublic ? "public" : "internal" };
}

function readCrons(cronsExport: unknown): CronJob[] {
  const registry = cronsExport as
    | { isCrons?: boolean; crons?: Record<string, { name: string; args: JSONValue[]; schedule: CronSchedule }> }
    | undefined;
  if (!registry?.isCrons || !registry.crons) return [];
  return Object.entries(registry.crons).map(([identifier, job]) => ({
    identifier,
    functionPath: canonicalFunctionPath(job.name),
    args: job.args[0] ?? {},
    schedule: job.schedule,
  }));
}

function isFunctionModule(relativePath: string): boolean {
  const base = path.posix.basename(relativePath);
  return (
    ENTRY_POINT_EXTENSIONS.some((extension) => relativePath.endsWith(extension)) &&
    !relativePath.endsWith(".d.ts") &&
    !base.startsWith(".") &&
    !base.startsWith("#") &&
    base !== "schema.ts" &&
    base !== "schema.js" &&
    // Test files (foo.test.ts), auth.config.ts and similar are not function modules.
    (base.match(/\./g) ?? []).length <= 1 &&
    !relativePath.includes(" ")
  );
}

async function loadDefaultExport<T>(root: string, baseName: string): Promise<T | undefined> {
  for (const extension of [".ts", ".js"]) {
    const file = path.join(root, baseName + extension);
    if (existsSync(file)) return ((await importFile(file)) as { default?: T }).default;
  }
  return undefined;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((entry) => !entry.name.startsWith(".") && entry.name !== "node_modules")
      .map((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? listFiles(full) : Promise.resolve([full]);
      }),
  );
  return nested.flat();
}

function importFile(file: string): Promise<unknown> {
  return import(pathToFileURL(file).href);
}

function stripExtension(relativePath: string): string {
  return relativePath.replace(/\.[^./]+$/, "");
}

function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}
