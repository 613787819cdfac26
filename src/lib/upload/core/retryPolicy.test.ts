import { describe, expect, it } from "vitest";
import { DEFAULT_UPLOAD_OPTIONS } from "./options";
import type { PartPutResponse } from "./partTransport";
import { PartRetryBudget, type PartAttemptResult } from "./retryPolicy";

const limits = { ...DEFAULT_UPLOAD_OPTIONS, retryDelaysMs: [0, 1000, 3000], maxAttemptsPerPart: 4 };
const response = (status: number, etag: string | null = null, errorCode?: string): PartAttemptResult => ({
  kind: "response",
  response: { status, etag, errorCode } satisfies PartPutResponse,
});

function budget(random = () => 1) {
  return new PartRetryBudget(7, limits, random);
}

describe("PartRetryBudget", () => {
  it.each(['"9e107d9d372bb6826bd81d3542a419d6"', ' "3858f62230ac3c915f300c664312c11f-2" ', 'W/"opaque"'])(
    "accepts a 2xx with a readable ETag %j, kept as storage sent it (trimmed): storage checked the body against its signed CRC32C",
    (etag) => {
      expect(budget().decide(response(200, etag))).toEqual({ action: "accept", etag: etag.trim() });
    },
  );

  it.each([null, "", "  "])("fails with missing_etag, naming the CORS fix, when the ETag is %j", (etag) => {
    const decision = budget().decide(response(200, etag));
    expect(decision).toMatchObject({ action: "fail", error: { code: "missing_etag", retryable: false } });
    expect(decision.action === "fail" && decision.error.message).toMatch(/ExposeHeaders/);
  });

  it("re-sends after 400 BadDigest, twice, then fails with integrity", () => {
    const result = response(400, null, "BadDigest");
    const b = budget();
    expect(b.decide(result)).toEqual({ action: "resend" });
    expect(b.decide(result)).toEqual({ action: "resend" });
    expect(b.decide(result)).toMatchObject({ action: "fail", error: { code: "integrity" } });
  });

  it("asks for a fresh URL on 403, twice, then fails with storage_rejected", () => {
    const b = budget();
    expect(b.decide(response(403, null, "AccessDenied"))).toEqual({ action: "refresh_url" });
    expect(b.decide(response(403))).toEqual({ action: "refresh_url" });
    const decision = b.decide(response(403, null, "SignatureDoesNotMatch"));
    expect(decision).toMatchObject({ action: "fail", error: { code: "storage_rejected" } });
    expect(decision.action === "fail" && decision.error.message).toMatch(/403 SignatureDoesNotMatch/);
  });

  it.each([400, 401, 404, 405, 411, 413])("does not retry HTTP %i", (status) => {
    expect(budget().decide(response(status, null, "InvalidArgument"))).toMatchObject({
      action: "fail",
      error: { code: "storage_rejected", retryable: false },
    });
  });

  it("explains a vanished multipart upload", () => {
    const decision = budget().decide(response(404, null, "NoSuchUpload"));
    expect(decision.action === "fail" && decision.error.message).toMatch(/no longer exists/);
  });

  it.each<[string, PartAttemptResult, string]>([
    ["a network error", { kind: "network_error" }, "network"],
    ["a stall", { kind: "stalled" }, "network"],
    ["status 0", response(0), "network"],
    ["408", response(408), "storage_unavailable"],
    ["429", response(429), "storage_unavailable"],
    ["500", response(500), "storage_unavailable"],
    ["503", response(503), "storage_unavailable"],
  ])("retries %s with the configured delays until maxAttemptsPerPart", (_, result, code) => {
    const b = budget();
    expect(b.decide(result)).toEqual({ action: "retry_after", delayMs: 0 });
    expect(b.decide(result)).toEqual({ action: "retry_after", delayMs: 1000 });
    expect(b.decide(result)).toEqual({ action: "retry_after", delayMs: 3000 });
    expect(b.decide(result)).toMatchObject({ action: "fail", error: { code, retryable: true } });
  });

  it("jitters each delay to 50–100 % and repeats the last delay", () => {
    const b = new PartRetryBudget(1, { ...limits, maxAttemptsPerPart: 10 }, () => 0);
    const delays = Array.from({ length: 5 }, () => {
      const decision = b.decide({ kind: "network_error" });
      return decision.action === "retry_after" ? decision.delayMs : -1;
    });
    expect(delays).toEqual([0, 500, 1500, 1500, 1500]);
  });

  it("keeps separate budgets per kind of failure", () => {
    const b = budget();
    expect(b.decide(response(403)).action).toBe("refresh_url");
    expect(b.decide(response(500)).action).toBe("retry_after");
    expect(b.decide(response(400, null, "BadDigest")).action).toBe("resend");
    expect(b.decide(response(403)).action).toBe("refresh_url");
  });
});
