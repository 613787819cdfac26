import { describe, expect, test } from "vitest";
import { HAPPY_PATH, JOB_STATUSES, canTransition, isTerminal, type JobStatus } from "./jobStatus";

/** The agreed edges, written out independently of the implementation's table. */
const EXPECTED_EDGES = new Set<string>([
  "CREATED->META_READY",
  "META_READY->UPLOAD_READY",
  "UPLOAD_READY->UPLOADING",
  "UPLOADING->UPLOADED",
  "UPLOADED->PROCESSING",
  "PROCESSING->READY",
  "PROCESSING->UPLOADED",
  "CREATED->FAILED",
  "META_READY->FAILED",
  "UPLOAD_READY->FAILED",
  "UPLOADING->FAILED",
  "UPLOADED->FAILED",
  "PROCESSING->FAILED",
]);

const ALL_PAIRS: Array<[JobStatus, JobStatus]> = JOB_STATUSES.flatMap((from) =>
  JOB_STATUSES.map((to): [JobStatus, JobStatus] => [from, to]),
);

describe("job state machine", () => {
  test("has exactly the eight agreed statuses", () => {
    expect(JOB_STATUSES).toEqual([
      "CREATED",
      "META_READY",
      "UPLOAD_READY",
      "UPLOADING",
      "UPLOADED",
      "PROCESSING",
      "READY",
      "FAILED",
    ]);
  });

  test.each(ALL_PAIRS)("%s -> %s", (from, to) => {
    expect(canTransition(from, to)).toBe(EXPECTED_EDGES.has(`${from}->${to}`));
  });

  test("READY and FAILED are terminal, nothing else is", () => {
    expect(JOB_STATUSES.filter(isTerminal)).toEqual(["READY", "FAILED"]);
  });

  test("the happy path walks legal edges from CREATED to READY", () => {
    for (let i = 1; i < HAPPY_PATH.length; i++) {
      expect(canTransition(HAPPY_PATH[i - 1]!, HAPPY_PATH[i]!)).toBe(true);
    }
    expect(HAPPY_PATH.at(-1)).toBe("READY");
  });
});
