import { describe, expect, it } from "vitest";
import { FAILURE_CODES, makeFailure } from "./failures";
import { WORKER_FAILURE_CODES } from "./workerProtocol";

describe("failure codes", () => {
  it("every code a worker reports, but the hand-back, is a job failure code", () => {
    const reported = WORKER_FAILURE_CODES.filter((code) => code !== "interrupted");
    expect(FAILURE_CODES).toEqual(expect.arrayContaining(reported));
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
