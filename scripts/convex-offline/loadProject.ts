/**
 * Loads a Convex functions folder the way a push does: `bundleConvex()` bundles it exactly as
 * the CLI would (refusing to start, naming the modules, where a push would fail), the
 * default-runtime modules are evaluated from that bundle in an isolate (`isolate.ts`), and
 * `"use node"` modules are imported from source into this Node process. It then reads what
 * each export is (query/mutation/action, public/internal), the schema, the HTTP router, the
 * cron jobs and the auth providers. The modules map it builds is what
 * `convexTest(schema, modules)` executes; every function in it runs under Convex's time
 * limits (`limits.ts`).
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { GenericSchema, HttpRouter, SchemaDefinition } from "convex/server";
import type { JSONValue } from "convex/values";
import { bundleConvex, ConvexBundleError, type ConvexRuntime } from "../convex-bundle/bundleConvex";
import type { CronSchedule } from "./cronSchedule";
import { createIsolateContext, loadBundleInIsolate } from "./isolate";
import { functionKindOf, limitModuleFunctions } from "./limits";

export type FunctionKind = "query" | "mutation" | "action";

export type RegisteredFunction = {
  /** Canonical path, as clients send it: "dir/module:export". */
  path: string;
  kind: FunctionKind;
  visibility: "public" | "internal";
  runtime: ConvexRuntime;
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

export class ProjectLoadError extends Error {
  constructor(
    message: string,
    /** The functions-folder modules at fault. */
    readonly modules: string[],
  ) {
    super(message);
    this.name = "ProjectLoadError";
  }
}

export type LoadProjectOptions = {
  /** The deployment's environment variables: the default runtime's `process.env`. */
  env?: Record<string, string | undefined>;
};

export async function loadProject(functionsDir: string, options: LoadProjectOptions = {}): Promise<ConvexProject> {
  const root = path.resolve(functionsDir);
  if (!existsSync(path.join(root, GENERATED_DIR))) {
    throw new Error(
      `${root} has no ${GENERATED_DIR}/ folder: run \`npx convex codegen --system-udfs --typecheck disable\` first.`,
    );
  }
  const bundle = await bundleForPush(root);
  const runtimeOf = new Map<string, ConvexRuntime>();
  for (const [runtime, files] of Object.entries(bundle.entryPoints) as [ConvexRuntime, string[]][]) {
    for (const file of files) runtimeOf.set(stripExtension(toPosix(path.relative(root, file))), runtime);
  }
  const isolate = createIsolateContext(options.env ?? {});
  const loadFromBundle = loadBundleInIsolate(isolate, bundle.modules);

  const files = await listFiles(root);
  const modules: Record<string, () => Promise<unknown>> = {};
  const functionModules = new Map<string, string>();
  for (const file of files) {
    const relative = toPosix(path.relative(root, file));
    if (relative.startsWith(`${GENERATED_DIR}/`)) {
      if (/\.(js|ts)$/.test(relative) && !relative.endsWith(".d.ts")) modules[toPosix(file)] = () => importFile(file);
      continue;
    }
    if (isFunctionModule(relative) && runtimeOf.has(stripExtension(relative))) {
      functionModules.set(stripExtension(relative), file);
    }
  }

  const functions = new Map<string, RegisteredFunction>();
  const failedModules = new Map<string, unknown>();
  const exportsByModule = new Map<string, Record<string, unknown>>();
  for (const [modulePath, file] of functionModules) {
    const runtime = runtimeOf.get(modulePath) ?? "isolate";
    try {
      const exported =
        runtime === "isolate"
          ? loadFromBundle(`${modulePath}.js`)
          : ((await importFile(file)) as Record<string, unknown>);
      limitModuleFunctions(modulePath, exported, { runtime, actionTimeouts: true });
      exportsByModule.set(modulePath, exported);
      modules[toPosix(file)] = () => Promise.resolve(exported);
      for (const [exportName, value] of Object.entries(exported)) {
        const registered = describeFunction(`${modulePath}:${exportName}`, value, runtime);
        if (registered) functions.set(registered.path, registered);
      }
    } catch (error) {
      failedModules.set(modulePath, error);
      modules[toPosix(file)] = () => Promise.reject(error as Error);
    }
  }
  const nodeTransactions = [...functions.values()].filter((fn) => fn.runtime === "node" && fn.kind !== "action");
  if (nodeTransactions.length > 0) {
    // Convex's push refuses these: a "use node" module may only define actions.
    throw new ProjectLoadError(
      nodeTransactions
        .map((fn) => `\`${fn.path}\` is a ${fn.kind}: only actions can be defined in a "use node" module.`)
        .join("\n"),
      [...new Set(nodeTransactions.map((fn) => fn.path.split(":")[0] ?? fn.path))],
    );
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

/** The push's bundle, or a refusal to start that names the modules a push would fail on. */
async function bundleForPush(root: string) {
  try {
    return await bundleConvex(root);
  } catch (error) {
    if (!(error instanceof ConvexBundleError)) throw error;
    const modules = error.files.map((file) => toPosix(path.isAbsolute(file) ? path.relative(root, file) : file));
    throw new ProjectLoadError(
      `A push of ${root} would fail, so the offline backend does not start.\n` +
        (modules.length > 0 ? `Modules at fault: ${modules.join(", ")}\n` : "") +
        error.message,
      modules,
    );
  }
}

/** "messages" → "messages:default", "messages.js:list" → "messages:list" (the client's canonical form). */
export function canonicalFunctionPath(udfPath: string): string {
  const separator = udfPath.lastIndexOf(":");
  const modulePath = separator === -1 ? udfPath : udfPath.slice(0, separator);
  const exportName = separator === -1 ? "default" : udfPath.slice(separator + 1);
  return `${modulePath.replace(/\.js$/, "")}:${exportName}`;
}

function describeFunction(functionPath: string, value: unknown, runtime: ConvexRuntime): RegisteredFunction | undefined {
  const kind = functionKindOf(value);
  if (kind === undefined) return undefined;
  const visibility = (value as { isPublic?: boolean }).isPublic ? "public" : "internal";
  return { path: functionPath, kind, visibility, runtime };
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
