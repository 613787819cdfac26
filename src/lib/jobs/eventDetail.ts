/**
 * A timeline event's detail (`job_events.detail`, written for the audit log: `oembed`,
 * `retry after worker_lost`, `3 parts of 8388608 bytes`, a failure code …) in words a creator
 * reads. A detail this does not know is shown as it is. Pure.
 */
import { defaultFailureMessage, isFailureCode } from "../../../convex/lib/failures";
import { formatBytes } from "@/lib/format";

const RETRY_REASONS: Readonly<Record<string, string>> = {
  worker_lost: "the worker processing it stopped",
  processing_error: "processing failed",
};

export function describeEventDetail(detail: string): string {
  if (detail === "oembed") return "details from YouTube";
  if (detail === "derived") return "details from the link alone (YouTube gave none)";
  const derived = /^derived \((.+)\)$/.exec(detail);
  if (derived) return `details from the link alone (${derived[1]})`;
  const retry = /^retry after (\w+)$/.exec(detail);
  if (retry) return `to be tried again: ${RETRY_REASONS[retry[1]!] ?? retry[1]!.replace(/_/g, " ")}`;
  const plan = /^(\d+) parts? of (\d+) bytes$/.exec(detail);
  if (plan) {
    // A single part is the whole file, whatever the part size.
    const parts = Number(plan[1]);
    return parts === 1 ? "in 1 part" : `in ${parts} parts of ${formatBytes(Number(plan[2]))}`;
  }
  if (isFailureCode(detail)) return defaultFailureMessage(detail).replace(/\.$/, "");
  return detail;
}
