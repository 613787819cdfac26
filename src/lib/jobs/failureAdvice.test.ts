import { describe, expect, it } from "vitest";
import { FAILURE_CODES } from "../../../convex/lib/failures";
import { adviceForFailure, startAgainHref } from "./failureAdvice";

describe("adviceForFailure", () => {
  it.each(FAILURE_CODES)("has a next step for %s", (code) => {
    const advice = adviceForFailure(code);
    expect(advice.advice.length).toBeGreaterThan(10);
    expect(advice.actionLabel.length).toBeGreaterThan(0);
  });

  it("says what to do for each kind of failure", () => {
    expect(adviceForFailure("video_not_found").advice).toMatch(/check .*link/i);
    expect(adviceForFailure("upload_aborted").advice).toMatch(/new job/i);
    expect(adviceForFailure("canceled").advice).toMatch(/new job/i);
    expect(adviceForFailure("not_a_video").advice).toMatch(/different file/i);
    expect(adviceForFailure("too_long").advice).toMatch(/different file/i);
    expect(adviceForFailure("too_large_resolution").advice).toMatch(/different file.*4K or lower/i);
    // A failure on our side still means uploading again (a failed job keeps no file), and says so.
    expect(adviceForFailure("worker_lost").advice).toMatch(/try again later.*upload the file again/i);
    expect(adviceForFailure("processing_error").advice).toMatch(/try again later.*upload the file again/i);
    // Private videos do not fail (they get details derived from the id): the advice does not blame them.
    expect(adviceForFailure("video_not_found").advice).not.toMatch(/private/i);
    expect(adviceForFailure("integrity").advice).toMatch(/upload it again/i);
  });
});

describe("startAgainHref", () => {
  it("prefills the link on the home page when it can be reused", () => {
    const href = startAgainHref(adviceForFailure("canceled"), "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    expect(href).toBe("/?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ");
  });

  it("starts from an empty form when the link itself was the problem", () => {
    expect(startAgainHref(adviceForFailure("invalid_url"), "https://example.com/")).toBe("/");
  });
});
