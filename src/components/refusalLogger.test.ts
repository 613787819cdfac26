import { describe, expect, test, vi } from "vitest";
import { refusalInLogLine, refusalLogger } from "./refusalLogger";

const RATE_LIMITED = '{"retryAfterMs":3588875,"code":"rate_limited","message":"You have started 30 videos in the last hour."}';

/** What the Convex client passes to `logger.error` for a failed mutation (request_manager.ts). */
const offlineLine = `[CONVEX M(jobs:createJobFromYouTubeUrl)] Uncaught ConvexError: ${RATE_LIMITED}`;
const deploymentLine =
  `[CONVEX M(jobs:createJobFromYouTubeUrl)] [Request ID: 1f2e3d4c5b6a7980] Server Error\nUncaught ConvexError: ${RATE_LIMITED}\n` +
  "    at requireJobCreationAllowed (../convex/model/intakeLimits.ts:49:2)\n    at async handler (../convex/jobs.ts:25:4)";

function recordingConsole() {
  return { debug: vi.fn(), log: vi.fn(), warn: vi.fn(), error: vi.fn(), info: vi.fn() };
}

describe("refusalInLogLine", () => {
  test.each([
    ["the offline backend", offlineLine],
    ["a deployment (request id, stack trace)", deploymentLine],
  ])("reads the app error of a refused mutation, as %s words it", (_, line) => {
    expect(refusalInLogLine(line)).toEqual({
      functionName: "jobs:createJobFromYouTubeUrl",
      code: "rate_limited",
      message: "You have started 30 videos in the last hour.",
    });
  });

  test("an action's refusal too", () => {
    expect(refusalInLogLine(`[CONVEX A(artifacts:getDownloadUrl)] Uncaught ConvexError: {"code":"not_found","message":"No such artifact."}`))
      .toMatchObject({ code: "not_found" });
  });

  test.each([
    ["a plain server error", "[CONVEX M(jobs:cancel)] [Request ID: 1] Server Error\nUncaught Error: boom"],
    ["a query's failure (it reaches the page's error boundary)", `[CONVEX Q(jobs:get)] Uncaught ConvexError: ${RATE_LIMITED}`],
    ["a ConvexError whose code the app does not have", '[CONVEX M(jobs:cancel)] Uncaught ConvexError: {"code":"teapot","message":"no"}'],
    ["a ConvexError whose data is not JSON", "[CONVEX M(jobs:cancel)] Uncaught ConvexError: {oops"],
    ["a line that is not the client's", "Uncaught ConvexError: {}"],
    ["not a string", new Error("x")],
  ])("is null for %s", (_, line) => {
    expect(refusalInLogLine(line)).toBeNull();
  });
});

describe("refusalLogger", () => {
  test("writes a refusal as info, naming the function and the code; never as an error", () => {
    const out = recordingConsole();
    refusalLogger({ out }).error(deploymentLine);
    expect(out.error).not.toHaveBeenCalled();
    expect(out.info).toHaveBeenCalledWith(
      "[CONVEX] jobs:createJobFromYouTubeUrl refused (rate_limited): You have started 30 videos in the last hour.",
    );
  });

  test("keeps every other error an error, as the client said it", () => {
    const out = recordingConsole();
    const logger = refusalLogger({ out });
    logger.error("[CONVEX M(jobs:cancel)] Uncaught Error: boom");
    logger.error("[CONVEX FATAL ERROR] socket closed", 1006);
    expect(out.error.mock.calls).toEqual([["[CONVEX M(jobs:cancel)] Uncaught Error: boom"], ["[CONVEX FATAL ERROR] socket closed", 1006]]);
    expect(out.info).not.toHaveBeenCalled();
  });

  test("passes log and warn through, and verbose lines only when asked", () => {
    const out = recordingConsole();
    refusalLogger({ out }).logVerbose("hidden");
    const verbose = refusalLogger({ out, verbose: true });
    verbose.log("a", 1);
    verbose.warn("b");
    verbose.logVerbose("shown");
    expect(out.log).toHaveBeenCalledWith("a", 1);
    expect(out.warn).toHaveBeenCalledWith("b");
    expect(out.debug).toHaveBeenCalledTimes(1);
    expect(out.debug.mock.calls[0]).toContain("shown");
  });
});
