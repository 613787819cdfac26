import { describe, expect, it } from "vitest";
import { HAPPY_PATH, JOB_STATUSES, type JobStatus } from "../../../convex/lib/jobStatus";
import type { EventActor, JobEventView } from "../../../convex/lib/validators";
import { FAILURE_CODES } from "../../../convex/lib/failures";
import { STEP_LABELS, describeSteps, failedAtStep, sortEvents, statusLabel, stepReachedAt } from "./jobSteps";

/** A timeline that walks `statuses` one second apart from t = 1000. */
function walk(statuses: readonly JobStatus[], actor: EventActor = "system"): JobEventView[] {
  return statuses.map((to, i) => ({ from: i === 0 ? null : statuses[i - 1]!, to, at: 1000 + i * 1000, actor }));
}

const UP_TO_PROCESSING: JobStatus[] = ["CREATED", "META_READY", "UPLOAD_READY", "UPLOADING", "UPLOADED", "PROCESSING"];

describe("STEP_LABELS", () => {
  it("names every state with the labels the tests read", () => {
    expect(JOB_STATUSES.map((status) => STEP_LABELS[status])).toEqual([
      "Link received",
      "Video found",
      "Ready to upload",
      "Uploading",
      "Uploaded",
      "Processing",
      "Ready",
      "Failed",
    ]);
  });
});

describe("statusLabel", () => {
  it("reads Canceled for a job the user ended (a cancel, a stopped upload), Failed for every other failure", () => {
    const labels = Object.fromEntries(FAILURE_CODES.map((code) => [code, statusLabel("FAILED", code)]));
    expect(labels).toEqual({
      ...Object.fromEntries(FAILURE_CODES.map((code) => [code, "Failed"])),
      canceled: "Canceled",
      upload_aborted: "Canceled",
    });
    expect(statusLabel("FAILED")).toBe("Failed");
    expect(statusLabel("READY", "canceled")).toBe("Ready");
  });
});

describe("stepReachedAt", () => {
  it("keeps the last time each status was entered, so a retry shows the running attempt", () => {
    const events = walk([...UP_TO_PROCESSING, "UPLOADED", "PROCESSING", "READY"]);
    const reached = stepReachedAt(events);
    expect(reached.get("CREATED")).toBe(1000);
    expect(reached.get("UPLOADED")).toBe(7000);
    expect(reached.get("PROCESSING")).toBe(8000);
    expect(reached.get("READY")).toBe(9000);
    expect(reached.has("FAILED")).toBe(false);
  });

  it("does not depend on the order the events arrive in", () => {
    const events = walk(["CREATED", "META_READY", "UPLOAD_READY"]);
    expect(stepReachedAt([...events].reverse())).toEqual(stepReachedAt(events));
  });
});

describe("sortEvents", () => {
  it("orders by time and keeps the written order for equal times", () => {
    const a: JobEventView = { from: null, to: "CREATED", at: 5, actor: "user" };
    const b: JobEventView = { from: "CREATED", to: "FAILED", at: 5, actor: "user" };
    const c: JobEventView = { from: "CREATED", to: "META_READY", at: 1, actor: "system" };
    expect(sortEvents([a, b, c])).toEqual([c, a, b]);
  });
});

describe("failedAtStep", () => {
  it("is the FAILED event's from", () => {
    const events = walk([...UP_TO_PROCESSING, "FAILED"]);
    expect(failedAtStep(events)).toEqual({ status: "PROCESSING", at: 7000 });
  });

  it.each(HAPPY_PATH.filter((status) => status !== "READY"))("finds a failure at %s", (status) => {
    const path = HAPPY_PATH.slice(0, HAPPY_PATH.indexOf(status) + 1);
    expect(failedAtStep(walk([...path, "FAILED"]))?.status).toBe(status);
  });

  it("falls back to the status entered just before FAILED when from is missing", () => {
    const events: JobEventView[] = [
      { from: null, to: "CREATED", at: 1, actor: "user" },
      { from: "CREATED", to: "META_READY", at: 2, actor: "system" },
      { from: null, to: "FAILED", at: 3, actor: "user" },
    ];
    expect(failedAtStep(events)).toEqual({ status: "META_READY", at: 3 });
  });

  it("is undefined for a job that has not failed", () => {
    expect(failedAtStep(walk(["CREATED", "META_READY"]))).toBeUndefined();
  });
});

describe("describeSteps", () => {
  const states = (status: JobStatus, events: JobEventView[] | undefined) =>
    describeSteps(status, events).map((step) => step.state);

  it("lists the seven happy-path steps in order", () => {
    expect(describeSteps("CREATED", []).map((step) => step.label)).toEqual(HAPPY_PATH.map((s) => STEP_LABELS[s]));
  });

  it("marks steps before the current one done, with the times they were reached", () => {
    const steps = describeSteps("UPLOADING", walk(["CREATED", "META_READY", "UPLOAD_READY", "UPLOADING"]));
    expect(steps.map((step) => step.state)).toEqual(["done", "done", "done", "current", "pending", "pending", "pending"]);
    expect(steps.map((step) => step.at)).toEqual([1000, 2000, 3000, 4000, undefined, undefined, undefined]);
  });

  it("shows READY as a completed last step", () => {
    const events = walk([...UP_TO_PROCESSING, "READY"]);
    expect(states("READY", events)).toEqual(Array(7).fill("done"));
    expect(describeSteps("READY", events).at(-1)?.at).toBe(7000);
  });

  it("after a retry, forgets that the later step was reached before", () => {
    const events = walk([...UP_TO_PROCESSING, "UPLOADED"]);
    const steps = describeSteps("UPLOADED", events);
    expect(steps.map((step) => step.state)).toEqual(["done", "done", "done", "done", "current", "pending", "pending"]);
    expect(steps[4]!.at).toBe(7000);
    expect(steps[5]!.at).toBeUndefined();
  });

  it("marks the step a failed job failed at, with the failure's time", () => {
    const steps = describeSteps("FAILED", walk(["CREATED", "META_READY", "UPLOAD_READY", "UPLOADING", "FAILED"]));
    expect(steps.map((step) => step.state)).toEqual(["done", "done", "done", "failed", "pending", "pending", "pending"]);
    expect(steps[3]).toMatchObject({ status: "UPLOADING", label: "Uploading", at: 5000 });
  });

  it("marks a job that failed at once (an unknown video) at its first step", () => {
    expect(states("FAILED", walk(["CREATED", "FAILED"]))).toEqual(["failed", ...Array(6).fill("pending")]);
  });

  it("has no times, and marks no failure, while the timeline loads", () => {
    expect(describeSteps("UPLOADED", undefined).every((step) => step.at === undefined)).toBe(true);
    expect(states("UPLOADED", undefined)).toEqual(["done", "done", "done", "done", "current", "pending", "pending"]);
    expect(states("FAILED", undefined)).toEqual(Array(7).fill("pending"));
  });
});
