/**
 * Function builders for the public API: every public query, mutation and action requires a
 * signed-in user (a guest counts) and receives its id as `ctx.userId`.
 */
import { getAuthUserId } from "@convex-dev/auth/server";
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { action, mutation, query } from "../_generated/server";
import type { Id } from "../_generated/dataModel";
import { appError } from "../lib/appErrors";

async function requireUserId(ctx: Parameters<typeof getAuthUserId>[0]): Promise<Id<"users">> {
  const userId = await getAuthUserId(ctx);
  if (userId === null) throw appError("unauthenticated", "Sign in to continue.");
  return userId;
}

export const userQuery = customQuery(
  query,
  customCtx(async (ctx) => ({ userId: await requireUserId(ctx) })),
);

export const userMutation = customMutation(
  mutation,
  customCtx(async (ctx) => ({ userId: await requireUserId(ctx) })),
);

export const userAction = customAction(
  action,
  customCtx(async (ctx) => ({ userId: await requireUserId(ctx) })),
);
