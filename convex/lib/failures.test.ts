import { describe, expect, it } from "vitest";
import { FAILURE_CODES, makeFailure } from "./failures";
import { TASK_FAILURE_CODES } from "./taskStatus";
import { TASK_WORKER_FAILURE_CODES, WORKER_FAILURE_CODES } from "./workerProtocol";

describe("failure codes", () => {
  it("every code a worker reports for a job, but the hand-back, is a job failure code", () => {
    const taskOnly: readonly string[] = TASK_WORKER_FAILURE_CODES;
    const reported = WORKER_FAILURE_CODES.filter((code) => code !== "interrupted" && !taskOnly.includes(code));
    expect(reported.length).toBeGreaterThan(0);
    expect(FAILURE_CODES).toEqual(expect.arrayContaining(reported));
  });

  it("every task-only code a worker reports is a task failure code (a job reporting one fails as processing_error)", () => {
    expect(TASK_FAILURE_CODES).toEqual(expect.arrayContaining([...TASK_WORKER_FAILURE_CODES]));
  });

  it("a picture larger than 4K is a permanent failure the worker can report", () => {
    expect(WORKER_FAILURE_CODES).toContain("too_large_resolution");
    expect(makeFailure("too_large_resolution")).toEqual({
      code: "too_large_resolution",
      message: expect.stringMatching(/4K/),
      retryable: false,
    });
  });
});
