/**
 * Runs the project's functions with `convex-test` as the execution engine: resolves a
 * client's function path against the project (refusing internal functions and the wrong
 * kind, as Convex does), applies the caller's identity, and turns thrown errors into the
 * outcome the protocol sends, keeping `ConvexError` data.
 */
import { convexTest, type TestConvexForDataModel } from "convex-test";
import { makeFunctionReference, type GenericActionCtx, type GenericDataModel, type UserIdentity } from "convex/server";
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import { canonicalFunctionPath, type ConvexProject, type FunctionKind, type RegisteredFunction } from "./loadProject";
import { convexTestTransactionLimits, installConvexLimits } from "./limits";
import type { Logger } from "./log";
import { runOutsideTransaction } from "./transactionContext";
import { installWriteObserver, runObservingWrites } from "./writeObserver";

export type FunctionOutcome =
  | { success: true; value: Value }
  | { success: false; errorMessage: string; errorData?: Value };

type FunctionArgs = Record<string, Value>;

/** "client": only public functions (a browser or HTTP API call); "system": crons and internal callers. */
export type Caller = "client" | "system";

type HttpActionHandler = (ctx: GenericActionCtx<GenericDataModel>, request: Request) => Promise<Response>;

export type ExecutorOptions = {
  /**
   * Resolves once everything committed so far is durable (`DataStore.whenDurable`). Every
   * function is answered only after it, so no answer, and no query result, reflects a commit
   * that a crash could still lose.
   */
  whenDurable?: () => Promise<void>;
};

const KIND_NAMES: Record<FunctionKind, string> = { query: "Query", mutation: "Mutation", action: "Action" };

export class FunctionExecutor {
  private readonly t: TestConvexForDataModel<GenericDataModel>;

  constructor(
    private readonly project: ConvexProject,
    /** Called whenever a function stages a write (see writeObserver.ts). */
    private readonly onWrite: () => void,
    private readonly log: Logger,
    private readonly options: ExecutorOptions = {},
  ) {
    // The project's data model is only known at run time.
    this.t = convexTest({
      schema: project.schema,
      modules: project.modules,
      transactionLimits: convexTestTransactionLimits(),
    }) as unknown as TestConvexForDataModel<GenericDataModel>;
    installWriteObserver();
    installConvexLimits();
  }

  /** The convex-test instance the functions run on (`engineState.ts` reaches its database). */
  get engine(): TestConvexForDataModel<GenericDataModel> {
    return this.t;
  }

  /** Whether the project's function at `udfPath` is a query, mutation or action; undefined if there is none. */
  kindOf(udfPath: string): FunctionKind | undefined {
    return this.project.functions.get(canonicalFunctionPath(udfPath))?.kind;
  }

  /**
   * Runs `write` as a transaction of its own (the backend's own bookkeeping, such as a scheduled
   * function's state) and lets subscriptions know.
   */
  async runSystemTransaction<T>(write: () => T): Promise<T> {
    const result = await this.t.run(() => Promise.resolve(write()));
    this.onWrite();
    await this.durable();
    return result;
  }

  /** Waits until what was committed so far is durable; an error if the data folder cannot be written. */
  private async durable(): Promise<(FunctionOutcome & { success: false }) | undefined> {
    if (!this.options.whenDurable) return undefined;
    try {
      await this.options.whenDurable();
      return undefined;
    } catch (error) {
      const message = `The offline backend could not write its data folder: ${describeError(error)}`;
      this.log.error(`[data] ${message}`);
      return { success: false, errorMessage: message };
    }
  }

  /** The function a path names, or why a caller may not run it. */
  private resolve(udfPath: string, caller: Caller, expectedKind?: FunctionKind): RegisteredFunction | { error: string } {
    const path = canonicalFunctionPath(udfPath);
    const registered = this.project.functions.get(path);
    if (!registered || (caller === "client" && registered.visibility !== "public")) {
      const modulePath = path.slice(0, path.lastIndexOf(":"));
      const loadError = this.project.failedModules.get(modulePath);
      if (loadError !== undefined) {
        return { error: `Module ${modulePath} failed to load in the offline backend: ${describeError(loadError)}` };
      }
      return {
        error: `Could not find ${caller === "client" ? "public " : ""}function for '${path}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
      };
    }
    if (expectedKind && registered.kind !== expectedKind) {
      return {
        error: `Trying to execute ${path} as ${KIND_NAMES[expectedKind]}, but it is defined as ${KIND_NAMES[registered.kind]}.`,
      };
    }
    return registered;
  }

  /** Runs a function with its arguments as they travel on the wire (convexToJson-encoded). */
  async run(
    udfPath: string,
    encodedArgs: JSONValue | undefined,
    identity: UserIdentity | null,
    options: { caller: Caller; expectedKind?: FunctionKind },
  ): Promise<FunctionOutcome> {
    const resolved = this.resolve(udfPath, options.caller, options.expectedKind);
    if ("error" in resolved) return { success: false, errorMessage: resolved.error };
    const args = decodeArgs(encodedArgs);
    if (args instanceof Error) return { success: false, errorMessage: args.message };
    const accessor = this.accessorFor(identity);
    try {
      const value = await runObservingWrites(this.onWrite, async (): Promise<Value> => {
        switch (resolved.kind) {
          case "query":
            return await accessor.query(makeFunctionReference<"query", FunctionArgs, Value>(resolved.path), args);
          case "mutation":
            return await accessor.mutation(makeFunctionReference<"mutation", FunctionArgs, Value>(resolved.path), args);
          case "action":
            return await accessor.action(makeFunctionReference<"action", FunctionArgs, Value>(resolved.path), args);
        }
      });
      return (await this.durable()) ?? { success: true, value: value ?? null };
    } catch (error) {
      const failure = this.failure(`${resolved.kind} ${resolved.path}`, error);
      // An action that failed may have committed mutations before it did.
      return (await this.durable()) ?? failure;
    }
  }

  /** Routes a request through `convex/http.ts`, as the site origin of a deployment does. */
  async runHttpAction(request: Request, identity: UserIdentity | null): Promise<Response> {
    const router = this.project.httpRouter;
    const { pathname } = new URL(request.url);
    if (router === undefined) return new Response("This deployment has no convex/http.ts", { status: 404 });
    if (router instanceof Error) {
      return new Response(`convex/http.ts failed to load: ${describeError(router)}`, { status: 500 });
    }
    const route = router.lookup(pathname, request.method as Parameters<typeof router.lookup>[1]);
    if (!route) return new Response(`No HttpAction routed for ${pathname}`, { status: 404 });
    const endpoint = route[0] as unknown as { _handler?: HttpActionHandler };
    const handler = endpoint._handler ?? (endpoint as unknown as HttpActionHandler);
    const accessor = this.accessorFor(identity);
    let response: Response | undefined;
    try {
      // An inline action gives the handler an action ctx (runQuery, runMutation, scheduler,
      // auth) while the Request keeps its real URL and headers.
      await runObservingWrites(this.onWrite, () =>
        accessor.action(async (ctx) => {
          response = await runOutsideTransaction(() => handler(ctx, request));
          return null;
        }),
      );
    } catch (error) {
      const failure = (await this.durable()) ?? this.failure(`HTTP ${request.method} ${pathname}`, error);
      return new Response(failure.errorMessage, { status: 500 });
    }
    const notDurable = await this.durable();
    if (notDurable) return new Response(notDurable.errorMessage, { status: 500 });
    return response ?? new Response("The HTTP action returned no Response", { status: 500 });
  }

  private accessorFor(identity: UserIdentity | null): TestConvexForDataModel<GenericDataModel> {
    return identity ? this.t.withIdentity(identity) : this.t;
  }

  private failure(what: string, error: unknown): FunctionOutcome & { success: false } {
    if (isConvexError(error)) {
      this.log.info(`[convex] ${what} threw ConvexError ${error.message}`);
      return { success: false, errorMessage: `Uncaught ConvexError: ${error.message}`, errorData: error.data };
    }
    this.log.error(`[convex] ${what} failed: ${isErrorLike(error) ? (error.stack ?? error.message) : String(error)}`);
    return { success: false, errorMessage: `Uncaught ${describeError(error)}` };
  }
}

function decodeArgs(encoded: JSONValue | undefined): FunctionArgs | Error {
  try {
    const args = jsonToConvex(encoded ?? {});
    if (typeof args !== "object" || args === null || Array.isArray(args) || args instanceof ArrayBuffer) {
      return new Error("The arguments to a Convex function must be an object");
    }
    return args as FunctionArgs;
  } catch (error) {
    return new Error(`Invalid function arguments: ${describeError(error)}`);
  }
}

/**
 * ConvexError is recognized by its symbol, which survives duplicated copies of `convex/values`
 * and the isolate's own realm (where `instanceof Error` is false for this process's Error).
 */
function isConvexError(error: unknown): error is Error & { data: Value } {
  return isErrorLike(error) && Symbol.for("ConvexError") in error && "data" in error;
}

function isErrorLike(error: unknown): error is Error {
  return typeof error === "object" && error !== null && typeof (error as Error).message === "string";
}

function describeError(error: unknown): string {
  return isErrorLike(error) ? `${error.name}: ${error.message}` : String(error);
}
