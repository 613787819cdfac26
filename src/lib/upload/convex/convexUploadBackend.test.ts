import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { getFunctionName, type FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { computePartPlan, MiB, PREFERRED_PART_SIZE } from "../../../../convex/lib/partPlan";
import {
  classifyServerError,
  createConvexUploadBackend,
  expectedPartSize,
  LOST_ACTION_MESSAGE,
  serverErrorCode,
  type ConvexUploadClient,
} from "./convexUploadBackend";
import { UploadError } from "../core/uploadError";

type Handler = (args: Record<string, unknown>) => unknown;

/** A Convex client that answers each function by name and records the calls. */
function fakeClient(handlers: Record<string, Handler>) {
  const calls: Array<{ kind: string; name: string; args: unknown }> = [];
  const run = (kind: string) => async (ref: FunctionReference<"query" | "mutation" | "action">, args: Record<string, unknown>) => {
    const name = getFunctionName(ref);
    calls.push({ kind, name, args });
    const handler = handlers[name];
    if (!handler) throw new Error(`unexpected call to ${name}`);
    return handler(args);
  };
  const client = { action: run("action"), mutation: run("mutation"), query: run("query") } as unknown as ConvexUploadClient;
  return { client, calls };
}

const refusal = (code: string, message: string) => new ConvexError({ code, message });

describe("createConvexUploadBackend", () => {
  it("maps each engine call to the Convex function of the same name, with the right kind", async () => {
    const session = {
      status: "UPLOADING",
      fingerprint: { name: "a.mp4", size: 10, lastModified: 1 },
      fileType: "video/mp4",
      partSize: 8 * MiB,
      partCount: 3,
      partsRecorded: 3,
    };
    // The recorded part numbers come a page at a time, until a page says there are no more.
    const pages: Record<string, unknown> = {
      first: { partNumbers: [1, 2], continueAfter: 2 },
      2: { partNumbers: [3], continueAfter: null },
    };
    const { client, calls } = fakeClient({
      "uploads:prepareUpload": () => ({ partSize: 8 * MiB, partCount: 3, urls: [{ partNumber: 1, url: "u", expiresInMs: 1 }] }),
      "uploads:getUploadPartUrls": () => ({ urls: [{ partNumber: 2, url: "u2", expiresInMs: 2 }] }),
      "uploads:reportUploadedPart": () => null,
      "uploads:completeUpload": () => null,
      "uploads:abortUpload": () => null,
      "uploads:uploadSession": () => session,
      "uploads:recordedPartNumbers": (args) => pages[String(args.afterPartNumber ?? "first")],
    });
    const backend = createConvexUploadBackend(client);
    const file = { name: "a.mp4", size: 20 * MiB, type: "video/mp4", lastModified: 5, firstPartCrc32c: "4waSgw==" };

    // The first parts' URLs come back with the plan, signed for the checksums sent with it.
    const firstParts = [{ partNumber: 1, checksumCrc32c: "4waSgw==" }];
    await expect(backend.prepareUpload({ jobId: "j1", file, parts: firstParts })).resolves.toEqual({
      partSize: 8 * MiB,
      partCount: 3,
      urls: [{ partNumber: 1, url: "u", expiresInMs: 1 }],
    });
    await expect(backend.getUploadPartUrls({ jobId: "j1", parts: [{ partNumber: 2, checksumCrc32c: "AAAAAA==" }] })).resolves.toEqual({
      urls: [{ partNumber: 2, url: "u2", expiresInMs: 2 }],
    });
    await backend.reportUploadedPart({ jobId: "j1", partNumber: 2, etag: '"e"', size: 8 * MiB, checksumCrc32c: "AAAAAA==" });
    await backend.completeUpload({ jobId: "j1" });
    await backend.abortUpload({ jobId: "j1" });
    await expect(backend.uploadSession({ jobId: "j1" })).resolves.toEqual({ ...session, recordedPartNumbers: [1, 2, 3] });

    expect(calls).toEqual([
      { kind: "action", name: "uploads:prepareUpload", args: { jobId: "j1", file, parts: firstParts } },
      { kind: "action", name: "uploads:getUploadPartUrls", args: { jobId: "j1", parts: [{ partNumber: 2, checksumCrc32c: "AAAAAA==" }] } },
      {
        kind: "mutation",
        name: "uploads:reportUploadedPart",
        args: { jobId: "j1", partNumber: 2, etag: '"e"', size: 8 * MiB, checksumCrc32c: "AAAAAA==" },
      },
      { kind: "action", name: "uploads:completeUpload", args: { jobId: "j1" } },
      { kind: "mutation", name: "uploads:abortUpload", args: { jobId: "j1" } },
      { kind: "query", name: "uploads:uploadSession", args: { jobId: "j1" } },
      { kind: "query", name: "uploads:recordedPartNumbers", args: { jobId: "j1" } },
      { kind: "query", name: "uploads:recordedPartNumbers", args: { jobId: "j1", afterPartNumber: 2 } },
    ]);
  });

  it("turns a server refusal into an UploadError with the server's message", async () => {
    const { client } = fakeClient({
      "uploads:completeUpload": () => {
        throw refusal("parts_missing", "2 parts have not been uploaded yet: 3, 4.");
      },
      "uploads:reportUploadedPart": () => {
        throw refusal("invalid_state", "Parts can only be reported while the file is uploading.");
      },
    });
    const backend = createConvexUploadBackend(client);

    const completion = await backend.completeUpload({ jobId: "j1" }).catch((error: unknown) => error);
    expect(completion).toBeInstanceOf(UploadError);
    expect(completion).toMatchObject({ code: "backend", retryable: true, message: "2 parts have not been uploaded yet: 3, 4." });
    expect(serverErrorCode(completion as UploadError)).toBe("parts_missing");

    await expect(backend.reportUploadedPart({ jobId: "j1", partNumber: 1, etag: "e", size: 1, checksumCrc32c: "AAAAAA==" })).rejects.toMatchObject({
      code: "no_session",
      retryable: false,
      message: "Parts can only be reported while the file is uploading.",
    });
  });

  it("leaves failures the server did not explain to the engine, calling nothing again", async () => {
    const unexplained = new Error("[CONVEX A(uploads:getUploadPartUrls)] Server Error\n  Called by client");
    const { client, calls } = fakeClient({
      "uploads:getUploadPartUrls": () => {
        throw unexplained;
      },
    });
    await expect(createConvexUploadBackend(client).getUploadPartUrls({ jobId: "j1", parts: [] })).rejects.toBe(unexplained);
    expect(calls).toHaveLength(1);
  });
});

describe("classifyServerError", () => {
  it.each([
    ["invalid_state", "no_session", false],
    ["not_found", "no_session", false],
    ["parts_missing", "backend", true],
    ["size_mismatch", "integrity", false],
    ["storage_error", "storage_unavailable", true],
    ["unauthenticated", "backend", true],
    ["not_a_video_type", "backend", false],
    ["file_too_large", "backend", false],
    ["file_empty", "backend", false],
    ["rights_required", "backend", false],
    ["stale_statement", "backend", false],
    ["part_out_of_range", "backend", false],
    ["invalid_argument", "backend", false],
    ["a_code_from_the_future", "backend", false],
  ])("%s → %s (retryable: %s)", (serverCode, code, retryable) => {
    const error = classifyServerError(refusal(serverCode, `Message for ${serverCode}.`));
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ code, retryable, message: `Message for ${serverCode}.` });
    expect(serverErrorCode(error as UploadError)).toBe(serverCode);
  });

  it("keeps ConvexErrors without the { code, message } shape as they are", () => {
    for (const odd of [new ConvexError("just a string"), new ConvexError({ code: 42, message: "x" }), new ConvexError({ code: "x" })]) {
      expect(classifyServerError(odd)).toBe(odd);
    }
  });

  it("has no server code for errors the engine made itself", () => {
    expect(serverErrorCode(new UploadError("network", "The connection failed."))).toBeUndefined();
  });
});

describe("expectedPartSize", () => {
  it("is the server's part size", () => {
    for (const size of [1, 5 * MiB, 8 * MiB + 1, 200 * MiB, 100 * 1024 * MiB, 20 * 1024 * MiB]) {
      expect(expectedPartSize(size)).toBe(computePartPlan(size).partSize);
    }
    expect(expectedPartSize(100 * 1024 * MiB)).toBeGreaterThan(PREFERRED_PART_SIZE);
  });

  it("answers for sizes the server will refuse, so that its message is the one shown", () => {
    expect(expectedPartSize(0)).toBe(PREFERRED_PART_SIZE);
    expect(expectedPartSize(Number.MAX_SAFE_INTEGER)).toBe(PREFERRED_PART_SIZE);
  });
});

describe("actions lost when the connection drops", () => {
  /** What `ConvexReactClient` throws for an action in flight when its WebSocket reconnected. */
  const lost = () => new Error(`[CONVEX A(uploads:x)] ${LOST_ACTION_MESSAGE}\n  Called by client`);
  const noWait = { lostActionRetryDelaysMs: [0, 0, 0] };
  const file = { name: "a.mp4", size: 20 * MiB, type: "video/mp4", lastModified: 5, firstPartCrc32c: "4waSgw==" };
  const named = (calls: ReadonlyArray<{ name: string }>) => calls.map((call) => call.name);

  it("is the message the installed Convex client uses", () => {
    const convexRoot = path.dirname(createRequire(import.meta.url).resolve("convex/package.json"));
    const requestManager = readFileSync(path.join(convexRoot, "dist/esm/browser/sync/request_manager.js"), "utf8");
    expect(requestManager).toContain(LOST_ACTION_MESSAGE);
  });

  it("signs and completes again after a lost call, and gives up after the last retry", async () => {
    let signing = 0;
    let completing = 0;
    const { client, calls } = fakeClient({
      "uploads:getUploadPartUrls": () => {
        if (++signing <= 2) throw lost();
        return { urls: [] };
      },
      "uploads:completeUpload": () => {
        completing++;
        throw lost();
      },
    });
    const backend = createConvexUploadBackend(client, noWait);
    await expect(backend.getUploadPartUrls({ jobId: "j1", parts: [] })).resolves.toEqual({ urls: [] });
    await expect(backend.completeUpload({ jobId: "j1" })).rejects.toThrow(LOST_ACTION_MESSAGE);
    expect(named(calls)).toEqual([...Array(3).fill("uploads:getUploadPartUrls"), ...Array(4).fill("uploads:completeUpload")]);
    expect(completing).toBe(4);
  });

  it("does not call prepareUpload again when the lost call opened the session", async () => {
    const session = { status: "UPLOAD_READY", fingerprint: { ...file, type: undefined }, partSize: 8 * MiB, partCount: 3, partsRecorded: 0 };
    const { client, calls } = fakeClient({
      "uploads:prepareUpload": () => {
        throw lost();
      },
      "uploads:uploadSession": () => session,
    });
    const backend = createConvexUploadBackend(client, noWait);
    // The lost call's URLs are lost with it: the engine signs those parts again.
    await expect(backend.prepareUpload({ jobId: "j1", file })).resolves.toEqual({ partSize: 8 * MiB, partCount: 3, urls: [] });
    expect(named(calls)).toEqual(["uploads:prepareUpload", "uploads:uploadSession"]);
  });

  it("calls prepareUpload again when the lost call did not run, or opened a session for another file", async () => {
    for (const session of [null, { status: "UPLOAD_READY", fingerprint: { ...file, firstPartCrc32c: "AAAAAA==" }, partSize: 8 * MiB, partCount: 3, partsRecorded: 0 }]) {
      let preparing = 0;
      const { client, calls } = fakeClient({
        "uploads:prepareUpload": () => {
          if (++preparing === 1) throw lost();
          return { partSize: 8 * MiB, partCount: 3, urls: [] };
        },
        "uploads:uploadSession": () => session,
      });
      const backend = createConvexUploadBackend(client, noWait);
      await expect(backend.prepareUpload({ jobId: "j1", file })).resolves.toEqual({ partSize: 8 * MiB, partCount: 3, urls: [] });
      expect(named(calls)).toEqual(["uploads:prepareUpload", "uploads:uploadSession", "uploads:prepareUpload"]);
    }
  });
});
