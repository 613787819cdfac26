import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { classifyServerError } from "../convex/convexUploadBackend";
import { UPLOAD_ERROR_CODES, UploadError } from "../core/uploadError";
import { describeResumePrompt, describeUploadFailure, refuseChosenFile } from "./uploadMessages";

describe("refuseChosenFile", () => {
  it("lets videos through", () => {
    expect(refuseChosenFile({ name: "clip.mp4", size: 10, type: "video/mp4" })).toBeNull();
    expect(refuseChosenFile({ name: "clip.MOV", size: 10, type: " Video/QuickTime " })).toBeNull();
  });

  it("refuses anything the server would refuse as not a video, naming the file and its type", () => {
    expect(refuseChosenFile({ name: "notes.txt", size: 10, type: "text/plain" })).toBe(
      "“notes.txt” is not a video file (it is text/plain). Choose a video, for example an MP4, MOV or WebM file.",
    );
    expect(refuseChosenFile({ name: "mystery", size: 10, type: "" })).toContain("the browser cannot tell what kind of file it is");
    expect(refuseChosenFile({ name: "song.mp3", size: 10, type: "audio/mpeg" })).toContain("it is audio/mpeg");
  });

  it("refuses an empty file", () => {
    expect(refuseChosenFile({ name: "clip.mp4", size: 0, type: "video/mp4" })).toBe("“clip.mp4” is empty. Choose the video file itself.");
  });
});

describe("describeUploadFailure", () => {
  it("has a sentence for every code", () => {
    for (const code of UPLOAD_ERROR_CODES) {
      const { message } = describeUploadFailure(new UploadError(code, `engine says ${code}`));
      expect(message.length).toBeGreaterThan(20);
    }
  });

  it("says a missing ETag in plain words and keeps the technical reason as detail", () => {
    const engineMessage =
      "Storage accepted part 1 but the browser could not read its ETag response header. The bucket's CORS rule must list ETag in ExposeHeaders.";
    const described = describeUploadFailure(new UploadError("missing_etag", engineMessage));
    expect(described.message).toContain("storage set-up problem");
    expect(described.message).not.toContain("ExposeHeaders");
    expect(described.detail).toBe(engineMessage);
  });

  it("shows the engine's file_mismatch sentence, which names what differs", () => {
    const message = 'This is not the file you started uploading: it is named "b.mp4", not "a.mp4". Select "a.mp4" to continue.';
    expect(describeUploadFailure(new UploadError("file_mismatch", message))).toEqual({ message, detail: null });
  });

  it("shows the server's sentence for its refusals", () => {
    const refusal = classifyServerError(
      new ConvexError({ code: "rights_required", message: "Confirm that you hold the rights to this video before uploading it." }),
    ) as UploadError;
    expect(describeUploadFailure(refusal)).toEqual({
      message: "Confirm that you hold the rights to this video before uploading it.",
      detail: null,
    });
  });

  it("tells a retryable server failure from one that needs a reload", () => {
    const retryable = describeUploadFailure(new UploadError("backend", "The server could not record part 3: timeout"));
    expect(retryable.message).toContain("Try again in a moment");
    expect(retryable.detail).toBe("The server could not record part 3: timeout");
    const permanent = describeUploadFailure(new UploadError("backend", "unusable plan", { retryable: false }));
    expect(permanent.message).toContain("Reload the page");
  });
});

describe("describeResumePrompt", () => {
  it("says how many parts are stored and which file to pick", () => {
    const prompt = {
      fileName: "clip.mp4",
      fileSize: 320_000_000,
      partsUploaded: 12,
      partsTotal: 40,
      uploadingElsewhere: false,
      idleLimitHours: 24,
    };
    expect(describeResumePrompt(prompt)).toEqual({
      message:
        "Pick the same file again to continue — 12 of 40 parts are already uploaded. An upload left for 24 hours without progress is cleared.",
      file: "clip.mp4 (320 MB)",
    });
    expect(describeResumePrompt({ ...prompt, partsUploaded: 1, partsTotal: 3, idleLimitHours: 1 }).message).toBe(
      "Pick the same file again to continue — 1 of 3 parts is already uploaded. An upload left for 1 hour without progress is cleared.",
    );
    // A backend older than the page (mid-deploy) does not say: the sentence is left out.
    const { idleLimitHours: _unknown, ...fromAnOlderBackend } = prompt;
    expect(describeResumePrompt(fromAnOlderBackend).message).toBe(
      "Pick the same file again to continue — 12 of 40 parts are already uploaded.",
    );
  });

  it("says that another tab or device is uploading while its parts keep arriving", () => {
    const prompt = { fileName: "clip.mp4", fileSize: 320_000_000, partsUploaded: 12, partsTotal: 40, uploadingElsewhere: true, idleLimitHours: 24 };
    expect(describeResumePrompt(prompt)).toEqual({
      message:
        "Another tab or device is uploading this file — 12 of 40 parts are uploaded so far. This page follows along; pick the same file here only if that upload has stopped.",
      file: "clip.mp4 (320 MB)",
    });
  });
});
