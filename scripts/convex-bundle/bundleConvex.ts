/**
 * Bundles `convex/` the way `npx convex deploy` does before it uploads, without a deployment or
 * a network, so the offline backend can run exactly the code a push would upload.
 *
 * The CLI's bundler ships inside its own single-file bundle, so this mirrors it: the same entry
 * points (`entryPoints()` in `convex/dist/esm/bundler/index.js`: every `.ts`/`.js` file under the
 * functions folder except `_generated/`, `schema.ts`, dotfiles and names with two dots), the same
 * runtime split (a `"use node"` directive → Node; `http`, `crons`, `schema` and `auth.config` must
 * stay in the default runtime) and the same esbuild options (`innerEsbuild()` in
 * `debugBundle.js`, with the CLI's own `server-only` and `.wasm` plugins loaded from the installed
 * package). `pushDryRun.ts` runs the real CLI; `bundleConvex.test.ts` keeps the two in step.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import esbuild, { type Plugin } from "esbuild";

export type ConvexRuntime = "isolate" | "node";

export type BundledModule = {
  /** The module's path as a push names it: `uploads.js`, `model/jobAccess.js`, `_deps/<hash>.js`. */
  path: string;
  source: string;
  environment: ConvexRuntime;
};

export type ConvexBundle = { modules: BundledModule[]; entryPoints: Record<ConvexRuntime, string[]> };

export class ConvexBundleError extends Error {
  constructor(
    message: string,
    /** The functions-folder files esbuild's errors point at. */
    readonly files: string[] = [],
  ) {
    super(message);
    this.name = "ConvexBundleError";
  }
}

const ENTRY_POINT_EXTENSIONS = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"];
const MUST_BE_ISOLATE = new Set(["http", "crons", "schema", "auth.config"]);
const USE_NODE_DIRECTIVE = /^\s*("|')use node("|');?\s*$/m;

/** Files a push bundles, as the CLI's `entryPoints()` picks them. */
export function convexEntryPoints(functionsDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    const names = readdirSync(dir).sort();
    if (dir !== functionsDir && names.includes("convex.config.ts")) return; // a nested component
    for (const name of names) {
      const file = join(dir, name);
      const rel = relative(functionsDir, file);
      if (statSync(file).isDirectory()) {
        if (rel !== "_generated") walk(file);
        continue;
      }
      if (!ENTRY_POINT_EXTENSIONS.some((extension) => name.endsWith(extension))) continue;
      if (name.startsWith(".") || name.startsWith("#") || name === "schema.ts" || name === "schema.js") continue;
      if ((name.match(/\./g) ?? []).length > 1 || rel.includes(" ")) continue;
      if (/\.tsx?$/.test(name) && !/^\s{0,100}(import|export)/m.test(readFileSync(file, "utf8"))) continue;
      found.push(file);
    }
  };
  walk(functionsDir);
  return found;
}

/** The runtime a push gives a module: its first statements' `"use node"` directive decides. */
export function runtimeOf(functionsDir: string, file: string): ConvexRuntime {
  const source = readFileSync(file, "utf8");
  const directives = source.slice(0, leadingDirectivesEnd(source));
  if (!USE_NODE_DIRECTIVE.test(directives)) return "isolate";
  const rel = relative(functionsDir, file).replace(/\.[^/.]+$/, "");
  if (MUST_BE_ISOLATE.has(rel)) throw new ConvexBundleError(`"use node" directive is not allowed for ${rel}.`, [file]);
  return "node";
}

/** Where the prologue (comments and string directives) ends. */
function leadingDirectivesEnd(source: string): number {
  const prologue = /^(?:\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/|(["'])[^"'\n]*\1;?)*/.exec(source);
  return prologue?.[0].length ?? 0;
}

async function cliPlugins(): Promise<Plugin[]> {
  const require = createRequire(import.meta.url);
  const bundlerDir = join(dirname(require.resolve("convex/package.json")), "dist/esm/bundler");
  const load = (name: string) => import(pathToFileURL(join(bundlerDir, name)).href);
  const [{ serverOnlyPlugin }, { wasmPlugin }] = await Promise.all([load("serverOnly.js"), load("wasm.js")]);
  return [serverOnlyPlugin as Plugin, wasmPlugin as Plugin];
}

/** `async_hooks` in the default runtime is the isolate's global, as the CLI shims it. */
const asyncHooksShim: Plugin = {
  name: "convex-async-hooks-shim",
  setup(build) {
    build.onResolve({ filter: /^(node:)?async_hooks$/ }, (args) => ({ path: args.path, namespace: "async-hooks-shim" }));
    build.onLoad({ filter: /.*/, namespace: "async-hooks-shim" }, () => ({
      contents:
        "export const AsyncLocalStorage = globalThis.AsyncLocalStorage;\n" +
        "export const AsyncResource = globalThis.AsyncResource;\n" +
        "export default { AsyncLocalStorage, AsyncResource };",
      loader: "js",
    }));
  },
};

async function bundleRuntime(functionsDir: string, entryPoints: string[], runtime: ConvexRuntime): Promise<BundledModule[]> {
  if (entryPoints.length === 0) return [];
  const platform = runtime === "node" ? "node" : "browser";
  try {
    const result = await esbuild.build({
      entryPoints,
      bundle: true,
      platform,
      format: "esm",
      target: "esnext",
      jsx: "automatic",
      outdir: "out",
      outbase: functionsDir,
      conditions: ["convex", "module"],
      plugins: [...(platform === "browser" ? [asyncHooksShim] : []), ...(await cliPlugins())],
      write: false,
      sourcemap: false,
      splitting: true,
      chunkNames: runtime === "node" ? join("_deps", "node", "[hash]") : join("_deps", "[hash]"),
      treeShaking: true,
      minifySyntax: true,
      minifyIdentifiers: true,
      minifyWhitespace: false,
      keepNames: true,
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
    });
    return result.outputFiles.map((file) => ({
      path: relative(resolve("out"), file.path).split(sep).join("/"),
      source: file.text,
      environment: runtime,
    }));
  } catch (error) {
    const culprits = runtime === "isolate" && entryPoints.length > 1 ? await failingEntryPoints(functionsDir, entryPoints) : [];
    throw bundleErrorFrom(error, runtime, culprits);
  }
}

/** esbuild's errors point into the packages; bundling each entry point alone names the modules that reach them. */
async function failingEntryPoints(functionsDir: string, entryPoints: string[]): Promise<string[]> {
  const failing: string[] = [];
  for (const entryPoint of entryPoints) {
    try {
      await bundleRuntime(functionsDir, [entryPoint], "isolate");
    } catch {
      failing.push(relative(functionsDir, entryPoint));
    }
  }
  return failing;
}

function bundleErrorFrom(error: unknown, runtime: ConvexRuntime, culprits: string[]): Error {
  if (!(error && typeof error === "object" && "errors" in error && Array.isArray(error.errors))) return error as Error;
  const messages = error.errors as esbuild.Message[];
  const files = [...new Set(messages.flatMap((message) => (message.location ? [message.location.file] : [])))];
  const nodeApis = runtime === "isolate" && messages.some((m) => m.notes.some((n) => n.text.includes("bundle for node")));
  const lines = messages
    .slice(0, 10)
    .map((m) => `  ${m.location ? `${m.location.file}:${m.location.line}: ` : ""}${m.text}`);
  if (messages.length > 10) lines.push(`  … and ${messages.length - 10} more`);
  const advice = nodeApis
    ? `\nIt looks like you are using Node APIs from a file without the "use node" directive (Convex's own advice on push).`
    : "";
  const modules = culprits.length > 0 ? `\nModules that fail to bundle on their own: ${culprits.join(", ")}` : "";
  return new ConvexBundleError(
    `${messages.length} esbuild error(s) bundling the ${runtime === "isolate" ? "default" : "Node"} runtime:\n${lines.join("\n")}${modules}${advice}`,
    [...new Set([...culprits, ...files])],
  );
}

/** Bundles the functions folder for both runtimes; throws `ConvexBundleError` where a push would fail. */
export async function bundleConvex(functionsDir = "convex"): Promise<ConvexBundle> {
  const dir = resolve(functionsDir);
  const entryPoints: Record<ConvexRuntime, string[]> = { isolate: [], node: [] };
  for (const file of convexEntryPoints(dir)) entryPoints[runtimeOf(dir, file)].push(file);
  const [isolate, node] = await Promise.all([
    bundleRuntime(dir, entryPoints.isolate, "isolate"),
    bundleRuntime(dir, entryPoints.node, "node"),
  ]);
  return { modules: [...isolate, ...node], entryPoints };
}
