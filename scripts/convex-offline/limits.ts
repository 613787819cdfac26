/**
 * Convex's limits that convex-test does not enforce by default, enforced with Convex's own
 * error messages, for the offline backend and for the project's convex-test harness
 * (`convex/testing/convexTest.testing.ts`). Every number and message is from
 * get-convex/convex-backend; the README's "Limits" table names the file of each.
 *
 * - Transaction limits: convex-test counts reads, writes, index ranges and scheduled functions
 *   when given `transactionLimits`; `installConvexLimits()` makes its errors Convex's.
 * - Values: arrays, fields, nesting and sizes of documents and scheduled arguments, checked
 *   where they cross into the backend (the `Convex` global's syscalls); of every function's
 *   arguments and return value, checked around its handler (`limitModuleFunctions`).
 * - Time: `limitFunctionHandler` wraps each function's handler (queries and mutations: 1 s of
 *   user time, the process's CPU time while the function's own code runs, its syscalls'
 *   waits excluded as Convex's isolate excludes them, and 15 s in all;
 *   actions: 10 minutes in Node, 30 minutes in the default runtime).
 */
import { performance } from "node:perf_hooks";
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";
import { getConvexSize, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { outsideUserTime, runAsTransaction, runOutsideTransaction, userTimeMs } from "./transactionContext";

const MiB = 1 << 20;

export const CONVEX_LIMITS = Object.freeze({
  /** TRANSACTION_MAX_READ_SIZE_ROWS, crates/common/src/knobs.rs */
  documentsRead: 32_000,
  /** TRANSACTION_MAX_READ_SIZE_BYTES */
  bytesRead: 16 * MiB,
  /** TRANSACTION_MAX_READ_SET_INTERVALS (index ranges) */
  databaseQueries: 4_096,
  /** TRANSACTION_MAX_NUM_USER_WRITES */
  documentsWritten: 16_000,
  /** TRANSACTION_MAX_USER_WRITE_SIZE_BYTES */
  bytesWritten: 16 * MiB,
  /** TRANSACTION_MAX_NUM_SCHEDULED */
  functionsScheduled: 1_000,
  /** TRANSACTION_MAX_SCHEDULED_TOTAL_ARGUMENT_SIZE_BYTES */
  scheduledFunctionArgsBytes: 16 * MiB,
  /** MAX_ARRAY_LEN, crates/value/src/array.rs */
  arrayElements: 8_192,
  /** MAX_OBJECT_FIELDS, crates/value/src/object.rs */
  objectFields: 1_024,
  /** MAX_NESTING, crates/value/src/size.rs */
  valueNesting: 64,
  /** MAX_SIZE, crates/value/src/size.rs */
  valueBytes: 32 * MiB,
  /** MAX_DOCUMENT_NESTING, crates/common/src/document.rs */
  documentNesting: 16,
  /** MAX_USER_SIZE, crates/common/src/document.rs */
  documentBytes: MiB,
  /** FUNCTION_MAX_ARGS_SIZE, crates/common/src/knobs.rs */
  functionArgsBytes: 16 * MiB,
  /** FUNCTION_MAX_RESULT_SIZE */
  functionResultBytes: 16 * MiB,
  /** DATABASE_UDF_USER_TIMEOUT */
  transactionUserTimeMs: 1_000,
  /** DATABASE_UDF_SYSTEM_TIMEOUT */
  transactionTotalTimeMs: 15_000,
  /** NODE_ACTION_USER_TIMEOUT */
  nodeActionTimeMs: 600_000,
  /** V8_ACTION_USER_TIMEOUT */
  isolateActionTimeMs: 1_800_000,
});

export type ConvexLimits = { -readonly [K in keyof typeof CONVEX_LIMITS]: number };

let active: ConvexLimits = { ...CONVEX_LIMITS };

/** The limits in force in this process (Convex's, unless a test lowered some). */
export function convexLimits(): Readonly<ConvexLimits> {
  return active;
}

/** Lowers limits for a test; returns the function that puts Convex's back. */
export function overrideConvexLimits(overrides: Partial<ConvexLimits>): () => void {
  const previous = active;
  active = { ...active, ...overrides };
  return () => {
    active = previous;
  };
}

/** The `transactionLimits` option for `convexTest()`: a getter per limit, so overrides apply to later transactions. */
export function convexTestTransactionLimits(): Record<string, number> {
  const keys = [
    "documentsRead",
    "bytesRead",
    "databaseQueries",
    "documentsWritten",
    "bytesWritten",
    "functionsScheduled",
    "scheduledFunctionArgsBytes",
  ] as const;
  return Object.defineProperties(
    {},
    Object.fromEntries(keys.map((key) => [key, { get: () => active[key], enumerable: true }])),
  ) as Record<string, number>;
}

const OVER_LIMIT_HELP =
  "Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.";

/** humansize's BINARY format, as the backend prints sizes ("1 MiB", "1.5 KiB", "12 B"). */
export function formatBinarySize(bytes: number): string {
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${unit === "B" ? value : Number(value.toFixed(2))} ${unit}`;
}

/** common::fmt::format_bytes: the unit that divides cleanly ("16 MiB"), else bytes. */
function formatBytes(bytes: number): string {
  for (const [size, name] of [
    [1 << 30, "GiB"],
    [1e9, "GB"],
    [MiB, "MiB"],
    [1e6, "MB"],
    [1024, "KiB"],
    [1000, "KB"],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${name}`;
  }
  return `${bytes} bytes`;
}

/** Convex's messages for convex-test's transaction-limit errors, by the method that threw. */
const TRANSACTION_MESSAGES: Record<string, (limits: ConvexLimits, error: Error) => string> = {
  trackRead: (limits, error) =>
    /data/.test(error.message)
      ? `Too many bytes read in a single function execution (limit: ${limits.bytesRead} bytes). ${OVER_LIMIT_HELP}`
      : `Too many documents read in a single function execution (limit: ${limits.documentsRead}). ${OVER_LIMIT_HELP}`,
  trackWrite: (limits, error) =>
    /data/.test(error.message)
      ? `Too many bytes written in a single function execution (limit: ${formatBytes(limits.bytesWritten)})`
      : `Too many writes in a single function execution (limit: ${limits.documentsWritten})`,
  trackIndexRange: (limits) =>
    `Too many reads in a single function execution (limit: ${limits.databaseQueries}). ${OVER_LIMIT_HELP}`,
  trackScheduledFunction: (limits, error) =>
    /too large/.test(error.message)
      ? `Too large total size of the arguments of scheduled functions from this mutation (limit: ${limits.scheduledFunctionArgsBytes} bytes)`
      : `Too many functions scheduled by this mutation (limit: ${limits.functionsScheduled})`,
};

export class ConvexLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Error";
  }
}

const INSTALLED = Symbol.for("reeldrop.convexOffline.limits");

/**
 * Makes convex-test's transaction-limit errors Convex's, adds the 1 MiB document size, and
 * checks the values crossing the `Convex` global's syscalls. Call after the first `convexTest()`.
 */
export function installConvexLimits(): void {
  const global = globalThis as { Convex?: ConvexSyscalls & { [INSTALLED]?: true } };
  const inner = global.Convex;
  if (!inner) throw new Error("convexTest() must run before Convex's limits are installed");
  if (inner[INSTALLED]) return;
  patchTransactionMetrics();
  global.Convex = {
    [INSTALLED]: true,
    syscall: (op, args) => inner.syscall(op, args),
    asyncSyscall: (op, args) => {
      checkSyscallArgs(op, args);
      return outsideUserTime(() => inner.asyncSyscall(op, args));
    },
    jsSyscall: (op, args) => inner.jsSyscall(op, args),
  };
}

type ConvexSyscalls = {
  syscall: (op: string, args: string) => string;
  asyncSyscall: (op: string, args: string) => Promise<string>;
  jsSyscall: (op: string, args: Record<string, unknown>) => unknown;
};

const PATCHED = Symbol.for("reeldrop.convexOffline.limits.metrics");

function patchTransactionMetrics(): void {
  const prototype = TransactionMetricsTracker.prototype as unknown as Record<string | symbol, unknown>;
  if (prototype[PATCHED]) return;
  prototype[PATCHED] = true;
  for (const [method, message] of Object.entries(TRANSACTION_MESSAGES)) {
    const original = prototype[method] as (this: unknown, ...args: unknown[]) => void;
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      if (method === "trackWrite" && typeof args[0] === "number" && args[0] > active.documentBytes) {
        throw new ConvexLimitError(
          `Value is too large (${formatBinarySize(args[0])} > maximum size ${formatBinarySize(active.documentBytes)})`,
        );
      }
      try {
        original.apply(this, args);
      } catch (error) {
        if (error instanceof Error && /Convex limit/.test(error.message)) throw new ConvexLimitError(message(active, error));
        throw error;
      }
    };
  }
}

const DOCUMENT_WRITES = new Set(["1.0/insert", "1.0/shallowMerge", "1.0/replace"]);
const SCHEDULES = new Set(["1.0/schedule", "1.0/actions/schedule"]);

function checkSyscallArgs(op: string, json: string): void {
  if (!DOCUMENT_WRITES.has(op) && !SCHEDULES.has(op)) return;
  const args = JSON.parse(json) as { value?: JSONValue; args?: JSONValue };
  throwIfProblem(
    DOCUMENT_WRITES.has(op)
      ? valueProblem(fromSyscallJson(args.value ?? null), "document")
      : valueProblem(fromSyscallJson(args.args ?? null), "value"),
  );
}

/**
 * A syscall's JSON-encoded value as a Convex value. A patch marks a removed field as
 * `{ "$undefined": null }`, which `jsonToConvex` refuses: it becomes `undefined` here.
 */
function fromSyscallJson(json: JSONValue): Value {
  if (Array.isArray(json)) return json.map(fromSyscallJson);
  if (json === null || typeof json !== "object") return json;
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0]!.startsWith("$")) {
    return keys[0] === "$undefined" ? (undefined as unknown as Value) : jsonToConvex(json);
  }
  return Object.fromEntries(keys.map((key) => [key, fromSyscallJson(json[key]!)]));
}

function throwIfProblem(problem: string | undefined): void {
  if (problem !== undefined) throw new ConvexLimitError(problem);
}

/** "uploads:report" → "uploads.js:report", as the backend names a function in its messages. */
function udfPath(name: string): string {
  const [module = name, exportName = "default"] = name.split(":");
  return `${module.endsWith(".js") ? module : `${module}.js`}:${exportName}`;
}

/** Throws Convex's error when a function's arguments could not reach a deployment. */
export function checkFunctionArgs(functionName: string, args: Value): void {
  throwIfProblem(valueProblem(args, "value"));
  const size = getConvexSize([args]);
  if (size > active.functionArgsBytes) {
    throw new ConvexLimitError(
      `Arguments for ${udfPath(functionName)} are too large (actual: ${formatBinarySize(size)}, limit: ${formatBinarySize(active.functionArgsBytes)})`,
    );
  }
}

/** Throws Convex's error when a function's return value could not leave a deployment. */
export function checkFunctionResult(functionName: string, result: Value | undefined): void {
  if (result === undefined) return;
  throwIfProblem(valueProblem(result, "value"));
  const size = getConvexSize(result);
  if (size > active.functionResultBytes) {
    throw new ConvexLimitError(
      `Function ${udfPath(functionName)} return value is too large (actual: ${formatBinarySize(size)}, limit: ${formatBinarySize(active.functionResultBytes)})`,
    );
  }
}

/** The first limit `value` breaks, in the backend's words; `undefined` when it fits. */
export function valueProblem(value: Value, as: "document" | "value"): string | undefined {
  let problem: string | undefined;
  const nestingOf = (node: Value): number => {
    if (problem !== undefined) return 0;
    if (Array.isArray(node)) {
      if (node.length > active.arrayElements) {
        problem = `Array length is too long (${node.length} > maximum length ${active.arrayElements})`;
        return 0;
      }
      return 1 + Math.max(0, ...node.map(nestingOf));
    }
    if (node !== null && typeof node === "object" && !(node instanceof ArrayBuffer)) {
      const values = Object.values(node);
      if (values.length > active.objectFields) {
        problem = `Object has too many fields (${values.length} > maximum number ${active.objectFields})`;
        return 0;
      }
      return 1 + Math.max(0, ...values.map((item) => nestingOf(item as Value)));
    }
    return 0;
  };
  const nesting = nestingOf(value);
  if (problem !== undefined) return problem;
  if (nesting > active.valueNesting) {
    return `Value is too nested (nested ${nesting} levels deep > maximum nesting ${active.valueNesting})`;
  }
  if (as === "document" && nesting > active.documentNesting) {
    return `Document is too nested (nested ${nesting} levels deep > maximum nesting ${active.documentNesting})`;
  }
  const size = getConvexSize(value);
  const maxBytes = as === "document" ? active.documentBytes : active.valueBytes;
  if (size > maxBytes) return `Value is too large (${formatBinarySize(size)} > maximum size ${formatBinarySize(maxBytes)})`;
  return undefined;
}

export type FunctionKind = "query" | "mutation" | "action";

type Handler = (ctx: unknown, args: unknown) => unknown;

/** Convex's UserTimeoutError ("Function execution timed out (maximum duration: 1s)"), Rust's Duration formatting. */
function timedOut(ms: number): string {
  return `Function execution timed out (maximum duration: ${ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`})`;
}

export type LimitOptions = {
  /** The module's runtime: it decides an action's time limit. */
  runtime: "isolate" | "node";
  /** Race actions against their time limit on a real timer (off under tests' fake timers). */
  actionTimeouts: boolean;
};

/**
 * A function's handler under Convex's time limits; queries and mutations run inside the
 * isolate's transaction restrictions, actions outside them (also when a mutation scheduled one).
 */
export function limitFunctionHandler(
  kind: FunctionKind,
  handler: Handler,
  options: LimitOptions & { name: string },
): Handler {
  const checked = async (ctx: unknown, args: unknown) => {
    checkFunctionArgs(options.name, args as Value);
    const result = await handler(ctx, args);
    checkFunctionResult(options.name, result as Value | undefined);
    return result;
  };
  if (kind === "action") {
    return (ctx, args) =>
      runOutsideTransaction(() => {
        if (!options.actionTimeouts) return checked(ctx, args);
        const limitMs = options.runtime === "node" ? active.nodeActionTimeMs : active.isolateActionTimeMs;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ConvexLimitError(timedOut(limitMs))), limitMs);
          timer.unref?.();
        });
        return Promise.race([checked(ctx, args), timeout]).finally(() =>
          clearTimeout(timer),
        );
      });
  }
  return async (ctx, args) => {
    checkFunctionArgs(options.name, args as Value);
    const wallStart = performance.now();
    const result = await runAsTransaction(kind, async () => {
      const answer = await handler(ctx, args);
      if (userTimeMs() > active.transactionUserTimeMs) {
        throw new ConvexLimitError(timedOut(active.transactionUserTimeMs));
      }
      return answer;
    });
    if (performance.now() - wallStart > active.transactionTotalTimeMs) {
      throw new ConvexLimitError(
        `Hit maximum total syscall duration (maximum duration: ${active.transactionTotalTimeMs / 1000}s)`,
      );
    }
    checkFunctionResult(options.name, result as Value | undefined);
    return result;
  };
}

type RegisteredFunctionObject = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  _handler?: Handler;
};

/**
 * The function objects already under the limits. Marked on the object, not on its handler: a
 * module's exports are the same objects at every load, and a harness may wrap the handler again
 * (`convex/testing/handlerEntries.testing.ts`), which must not look like a new function.
 */
const limitedFunctions = new WeakSet<object>();

/** The kind of a module export that is a Convex function, else undefined. */
export function functionKindOf(value: unknown): FunctionKind | undefined {
  if (typeof value !== "function" && (typeof value !== "object" || value === null)) return undefined;
  const flags = value as RegisteredFunctionObject;
  return flags.isQuery ? "query" : flags.isMutation ? "mutation" : flags.isAction ? "action" : undefined;
}

/** Puts every function a module exports under `limitFunctionHandler` (once per function object). */
export function limitModuleFunctions(
  modulePath: string,
  exported: Record<string, unknown>,
  options: LimitOptions,
): void {
  for (const [exportName, value] of Object.entries(exported)) {
    const kind = functionKindOf(value);
    const fn = value as RegisteredFunctionObject;
    if (kind === undefined || typeof fn._handler !== "function" || limitedFunctions.has(fn)) continue;
    limitedFunctions.add(fn);
    fn._handler = limitFunctionHandler(kind, fn._handler, { ...options, name: `${modulePath}:${exportName}` });
  }
}
