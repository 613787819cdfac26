/**
 * The Convex client's logger, for `new ConvexReactClient(url, { logger: refusalLogger() })`.
 *
 * The client logs every failed mutation or action with `console.error`, including a refusal the
 * page handles ("You have started 30 videos in the last hour…"), and Next's dev overlay counts
 * each `console.error` as an issue. A refusal is the app's `ConvexError` (`{ code, message }`,
 * `convex/lib/appErrors.ts`): expected, caught by its caller and shown on the page. Those are
 * written as `console.info`, naming the function and the code; anything else — a bug, a failed
 * query, a lost connection — stays an error.
 */
import type { ConvexReactClientOptions } from "convex/react";
import { APP_ERROR_CODES, type AppErrorCode } from "../../convex/lib/appErrors";

export type ConvexLogger = Exclude<NonNullable<ConvexReactClientOptions["logger"]>, boolean>;

type Console = Pick<typeof console, "debug" | "log" | "warn" | "error" | "info">;

/** `[CONVEX M(jobs:createJobFromYouTubeUrl)] [Request ID: …] Server Error\nUncaught ConvexError: {…}` */
const MUTATION_OR_ACTION_FAILURE = /^\[CONVEX ([MA])\(([^)]*)\)\][\s\S]*?\bConvexError: (\{[\s\S]*\})\s*$/;
/** A real deployment appends the server's stack trace after the data. */
const STACK_TRACE = /\n\s+at [\s\S]*$/;

/** The app error a failed mutation's or action's log line carries, if it is one. */
export function refusalInLogLine(line: unknown): { functionName: string; code: AppErrorCode; message: string } | null {
  if (typeof line !== "string") return null;
  const match = MUTATION_OR_ACTION_FAILURE.exec(line.replace(STACK_TRACE, ""));
  if (!match) return null;
  let data: unknown;
  try {
    data = JSON.parse(match[3]!);
  } catch {
    return null;
  }
  const { code, message } = (data ?? {}) as { code?: unknown; message?: unknown };
  if (!(APP_ERROR_CODES as readonly unknown[]).includes(code)) return null;
  return { functionName: match[2]!, code: code as AppErrorCode, message: typeof message === "string" ? message : "" };
}

export function refusalLogger({ verbose = false, out = console }: { verbose?: boolean; out?: Console } = {}): ConvexLogger {
  return {
    logVerbose: (...args) => {
      if (verbose) out.debug(new Date().toISOString(), ...args);
    },
    log: (...args) => out.log(...args),
    warn: (...args) => out.warn(...args),
    error: (...args) => {
      const refusal = args.length === 1 ? refusalInLogLine(args[0]) : null;
      if (refusal) out.info(`[CONVEX] ${refusal.functionName} refused (${refusal.code}): ${refusal.message}`);
      else out.error(...args);
    },
  };
}
