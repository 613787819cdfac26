/**
 * Runs the default-runtime modules the way Convex does: the code is the bundle a push would
 * upload (`bundleConvex()`), evaluated in its own JavaScript context (`@edge-runtime/vm`, the
 * web-standard globals the Convex vitest project also uses) instead of being imported into
 * this Node process. That context has no `require`, no `node:*` modules and no Node globals;
 * `process` is only `{ env }`, holding the deployment's environment variables, as in Convex's
 * runtime (`npm-packages/udf-runtime/src/setup.ts` in get-convex/convex-backend).
 *
 * Inside queries and mutations, as on Convex (`not_allowed_in_udf()` in
 * `crates/isolate/src/environment/udf/mod.rs`): `fetch()`, `setTimeout` and `setInterval` fail
 * with Convex's own message, and `Date.now()` / `new Date()` stay at the time the function
 * started. Actions keep all of them. `crypto.randomUUID()` and `crypto.getRandomValues()` work
 * everywhere, as on Convex, which draws them in queries and mutations from a generator seeded
 * per function (`op_crypto_random_uuid` in `crates/isolate/src/ops/crypto.rs`, `rng()` in
 * `environment/udf/phase.rs`); here they are not seeded.
 *
 * `"use node"` modules are not loaded here: they are imported from source into this Node
 * process, as Convex runs them in Node.
 */
import path from "node:path";
import { EdgeVM } from "@edge-runtime/vm";
import { transformSync } from "esbuild";
import type { BundledModule } from "../convex-bundle/bundleConvex";
import { currentTransaction } from "./transactionContext";

/** The message Convex gives for an API a query or mutation may not use. */
export function notAllowedInTransaction(description: string): string {
  return (
    `Can't use ${description} in queries and mutations. Please consider using an action. ` +
    "See https://docs.convex.dev/functions/actions for more details."
  );
}

type Globals = Record<string, unknown>;

/** A context with Convex's default-runtime globals; `env` becomes `process.env`. */
export function createIsolateContext(env: Record<string, string | undefined>): EdgeVM {
  const vm = new EdgeVM();
  const context = vm.context as unknown as Globals;
  const restricted = <F extends (...args: never[]) => unknown>(description: string, inner: F): F =>
    ((...args: Parameters<F>) => {
      if (currentTransaction()) throw new Error(notAllowedInTransaction(description));
      return inner(...args);
    }) as F;

  const innerFetch = context.fetch as typeof fetch;
  context.fetch = (...args: Parameters<typeof fetch>) =>
    currentTransaction()
      ? Promise.reject(new Error(notAllowedInTransaction("fetch()")))
      : innerFetch(...args);
  context.setTimeout = restricted("setTimeout", context.setTimeout as typeof setTimeout);
  context.setInterval = restricted("setInterval", context.setInterval as typeof setInterval);
  vm.evaluate<(start: () => number | undefined) => void>(INSTALL_DATE)(() => currentTransaction()?.startedAt);
  context.process = { env: Object.freeze({ ...env }) };
  // Syscalls reach whatever `Convex` global this process has installed (convex-test's, wrapped).
  context.Convex = {
    syscall: (op: string, args: string) => (globalThis as unknown as { Convex: ConvexGlobal }).Convex.syscall(op, args),
    asyncSyscall: (op: string, args: string) =>
      (globalThis as unknown as { Convex: ConvexGlobal }).Convex.asyncSyscall(op, args),
    jsSyscall: (op: string, args: Record<string, unknown>) =>
      (globalThis as unknown as { Convex: ConvexGlobal }).Convex.jsSyscall(op, args),
  };
  return vm;
}

type ConvexGlobal = {
  syscall(op: string, args: string): string;
  asyncSyscall(op: string, args: string): Promise<string>;
  jsSyscall(op: string, args: Record<string, unknown>): unknown;
};

/**
 * `Date` whose current time is the start of the running query or mutation: Convex's
 * `setupDate()` (udf-runtime/src/setup.ts), evaluated in the isolate so that dates stay its own.
 */
const INSTALL_DATE = `(function (transactionStart) {
  const original = globalThis.Date;
  const now = () => transactionStart() ?? original.now();
  function ConvexDate(...args) {
    if (!new.target) return new original(now()).toString();
    return args.length === 0 ? new original(now()) : new original(...args);
  }
  ConvexDate.now = now;
  ConvexDate.parse = original.parse;
  ConvexDate.UTC = original.UTC;
  ConvexDate.prototype = original.prototype;
  ConvexDate.prototype.constructor = ConvexDate;
  globalThis.Date = ConvexDate;
})`;

/**
 * Evaluates the default-runtime bundle in `vm` and returns each module's exports by its bundle
 * path (`uploads.js`, `model/jobAccess.js`). Modules are evaluated lazily, on first use, as
 * Convex loads a module when one of its functions first runs.
 */
export function loadBundleInIsolate(vm: EdgeVM, modules: BundledModule[]): (bundlePath: string) => Record<string, unknown> {
  const sources = new Map(modules.filter((m) => m.environment === "isolate").map((m) => [m.path, m.source]));
  const loaded = new Map<string, { exports: Record<string, unknown> }>();
  const load = (bundlePath: string): Record<string, unknown> => {
    const cached = loaded.get(bundlePath);
    if (cached) return cached.exports;
    const source = sources.get(bundlePath);
    if (source === undefined) throw new Error(`The default-runtime bundle has no module ${bundlePath}`);
    // The bundle is ES modules; node:vm runs ES modules only behind a flag, so each one is
    // turned into a function of (exports, require, module) whose `require` only reaches the
    // bundle's own chunks. Nothing else is importable: a push bundles every dependency in.
    const { code } = transformSync(source, { format: "cjs", loader: "js", target: "esnext", logLevel: "silent" });
    const module = { exports: {} as Record<string, unknown> };
    loaded.set(bundlePath, module);
    const bundleRequire = (specifier: string) => {
      if (!specifier.startsWith(".")) {
        throw new Error(`Cannot import "${specifier}" from ${bundlePath}: Convex's default runtime has no module loader`);
      }
      return load(path.posix.normalize(path.posix.join(path.posix.dirname(bundlePath), specifier)));
    };
    const factory = vm.evaluate<(exports: unknown, require: unknown, module: unknown) => void>(
      `(function (exports, require, module) {${code}\n})\n//# sourceURL=convex-bundle:${bundlePath}`,
    );
    factory(module.exports, bundleRequire, module);
    return module.exports;
  };
  return load;
}
