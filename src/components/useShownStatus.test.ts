import { describe, expect, it } from "vitest";
import { shownStatus } from "./useShownStatus";

const rights = (statementVersion: string) => ({ statementVersion, confirmedAt: 1 });

describe("shownStatus", () => {
  it("is the step after the rights once they are confirmed for today's statement", () => {
    expect(shownStatus({ status: "META_READY", rights: rights("v2") }, "v2")).toBe("UPLOAD_READY");
  });

  it("stays at 'Video found' before the box is ticked, or for an older statement", () => {
    expect(shownStatus({ status: "META_READY", rights: undefined }, "v2")).toBe("META_READY");
    expect(shownStatus({ status: "META_READY", rights: undefined }, undefined)).toBe("META_READY");
    expect(shownStatus({ status: "META_READY", rights: rights("v1") }, "v2")).toBe("META_READY");
  });

  it("takes confirmed rights as current while the statement loads, so the page does not flash back a step", () => {
    expect(shownStatus({ status: "META_READY", rights: rights("v1") }, undefined)).toBe("UPLOAD_READY");
  });

  it("is the recorded status at every other step", () => {
    for (const status of ["CREATED", "UPLOAD_READY", "UPLOADING", "PROCESSING", "READY", "FAILED"] as const) {
      expect(shownStatus({ status, rights: rights("v2") }, "v2")).toBe(status);
    }
  });
});
