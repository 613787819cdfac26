import { ConvexError } from "convex/values";
import type { AppErrorCode } from "../../convex/lib/appErrors";

/** What the UI says for each error code; the server's message is used when it has one. */
export function describeError(error: unknown): { code: AppErrorCode | "unknown"; message: string } {
  if (error instanceof ConvexError) {
    const data = error.data as { code?: AppErrorCode; message?: string };
    if (data && typeof data.code === "string") {
      return { code: data.code, message: data.message ?? "Something went wrong." };
    }
  }
  return { code: "unknown", message: "Something went wrong. Check your connection and try again." };
}
