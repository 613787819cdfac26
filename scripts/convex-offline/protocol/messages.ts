/**
 * The WebSocket sync protocol as it travels on the wire (JSON, timestamps already
 * base64-encoded), mirroring `convex/src/browser/sync/protocol.ts` of the `convex` package,
 * which does not export these types.
 */
import type { JSONValue } from "convex/values";

export type QueryId = number;
export type EncodedTs = string;

export type StateVersion = { querySet: number; identity: number; ts: EncodedTs };

export type ConnectMessage = {
  type: "Connect";
  sessionId: string;
  connectionCount: number;
  lastCloseReason: string | null;
  maxObservedTimestamp?: EncodedTs;
  clientTs?: number;
};

export type AddQuery = {
  type: "Add";
  queryId: QueryId;
  udfPath: string;
  args: JSONValue[];
  journal?: string | null;
  componentPath?: string;
};
export type RemoveQuery = { type: "Remove"; queryId: QueryId };

export type ModifyQuerySetMessage = {
  type: "ModifyQuerySet";
  baseVersion: number;
  newVersion: number;
  modifications: (AddQuery | RemoveQuery)[];
};

export type MutationMessage = {
  type: "Mutation";
  requestId: number;
  udfPath: string;
  args: JSONValue[];
  componentPath?: string;
};

export type ActionMessage = {
  type: "Action";
  requestId: number;
  udfPath: string;
  args: JSONValue[];
  componentPath?: string;
};

export type AuthenticateMessage =
  | { type: "Authenticate"; tokenType: "User" | "Admin"; value: string; baseVersion: number }
  | { type: "Authenticate"; tokenType: "None"; baseVersion: number };

export type EventMessage = { type: "Event"; eventType: string; event: unknown };

export type ClientMessage =
  | ConnectMessage
  | ModifyQuerySetMessage
  | MutationMessage
  | ActionMessage
  | AuthenticateMessage
  | EventMessage;

export type StateModification =
  | { type: "QueryUpdated"; queryId: QueryId; value: JSONValue; logLines: string[]; journal: null }
  | {
      type: "QueryFailed";
      queryId: QueryId;
      errorMessage: string;
      errorData?: JSONValue;
      logLines: string[];
      journal: null;
    }
  | { type: "QueryRemoved"; queryId: QueryId };

export type TransitionMessage = {
  type: "Transition";
  startVersion: StateVersion;
  endVersion: StateVersion;
  modifications: StateModification[];
  /** Milliseconds the client clock is ahead of the server's, measured at Connect. */
  clientClockSkew?: number;
  /** Server time in nanoseconds when the transition was sent. */
  serverTs?: number;
};

export type FunctionResponseBody =
  | { success: true; result: JSONValue; logLines: string[] }
  | { success: false; result: string; errorData?: JSONValue; logLines: string[] };

export type MutationResponseMessage = { type: "MutationResponse"; requestId: number } & (
  | { success: true; result: JSONValue; ts: EncodedTs; logLines: string[] }
  | { success: false; result: string; errorData?: JSONValue; logLines: string[] }
);

export type ActionResponseMessage = { type: "ActionResponse"; requestId: number } & FunctionResponseBody;

export type AuthErrorMessage = {
  type: "AuthError";
  error: string;
  baseVersion: number;
  /** True when answering an `Authenticate`; false when a token in use stopped being valid. */
  authUpdateAttempted: boolean;
};

export type ServerMessage =
  | TransitionMessage
  | MutationResponseMessage
  | ActionResponseMessage
  | AuthErrorMessage
  | { type: "FatalError"; error: string }
  | { type: "Ping" };

export class ProtocolError extends Error {}

const CLIENT_MESSAGE_TYPES = new Set(["Connect", "ModifyQuerySet", "Mutation", "Action", "Authenticate", "Event"]);

/** Parses one client frame; checks the envelope only, handlers check the fields they use. */
export function parseClientMessage(frame: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(frame);
  } catch {
    throw new ProtocolError("Client message is not JSON");
  }
  if (
    typeof message !== "object" ||
    message === null ||
    !CLIENT_MESSAGE_TYPES.has((message as { type?: unknown }).type as string)
  ) {
    throw new ProtocolError(`Unknown client message: ${frame.slice(0, 200)}`);
  }
  return message as ClientMessage;
}
