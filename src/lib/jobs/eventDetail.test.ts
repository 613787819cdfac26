import { describe, expect, it } from "vitest";
import { FAILURE_CODES, defaultFailureMessage } from "../../../convex/lib/failures";
import { describeEventDetail } from "./eventDetail";

describe("describeEventDetail", () => {
  it.each([
    ["oembed", "details from YouTube"],
    ["derived", "details from the link alone (YouTube gave none)"],
    ["derived (the lookup did not finish)", "details from the link alone (the lookup did not finish)"],
    ["derived (too many lookups this minute)", "details from the link alone (too many lookups this minute)"],
    ["retry after worker_lost", "to be tried again: the worker processing it stopped"],
    ["retry after processing_error", "to be tried again: processing failed"],
    ["1 part of 8388608 bytes", "in 1 part"],
    ["attempt 2", "attempt 2"],
    ["handed back by a worker shutting down", "handed back by a worker shutting down"],
  ])("%j → %j", (detail, words) => {
    expect(describeEventDetail(detail)).toBe(words);
  });

  it("words the plan with the part size, as the page counts bytes", () => {
    expect(describeEventDetail("3 parts of 8388608 bytes")).toMatch(/^in 3 parts of 8\.4 MB$/);
  });

  it("says every failure code as its plain sentence", () => {
    for (const code of FAILURE_CODES) {
      expect(describeEventDetail(code)).toBe(defaultFailureMessage(code).replace(/\.$/, ""));
      expect(describeEventDetail(code)).not.toContain("_");
    }
  });
});
