/**
 * A WebSocket for `ConvexClient`'s `webSocketConstructor` that loses server messages on cue:
 * the fault a drill injects to prove it notices a subscriber that stops seeing pushes. The
 * message never reaches the Convex client, as if the backend had not sent it; everything else
 * (the other messages, the client's own sends) passes untouched. Built on `ws`, the WebSocket
 * the drills already give `ConvexClient` in Node.
 */
import { WebSocket } from "ws";

/** One server message, parsed (`Transition`, `MutationResponse`, `Ping`, …). */
export type ServerMessage = { type: string; [field: string]: unknown };

export type DroppingWebSocket = {
  /** Pass as `webSocketConstructor`. */
  constructor: typeof globalThis.WebSocket;
  /** The messages dropped so far, in order. */
  dropped: ServerMessage[];
};

/**
 * `shouldDrop` sees every text message the server sends to sockets made by this constructor and
 * returns true to lose it.
 */
export function droppingWebSocket(shouldDrop: (message: ServerMessage) => boolean): DroppingWebSocket {
  const dropped: ServerMessage[] = [];
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  if (!onmessage?.set || !onmessage.get) throw new Error("ws's WebSocket has no onmessage accessor");
  const { set } = onmessage;
  class Dropping extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      let handler: ((event: WebSocket.MessageEvent) => void) | null = null;
      Object.defineProperty(this, "onmessage", {
        configurable: true,
        get: () => handler,
        set: (next: ((event: WebSocket.MessageEvent) => void) | null) => {
          handler = next;
          set.call(
            this,
            next &&
              ((event: WebSocket.MessageEvent) => {
                if (typeof event.data === "string") {
                  const message = JSON.parse(event.data) as ServerMessage;
                  if (shouldDrop(message)) return void dropped.push(message);
                }
                next.call(this, event);
              }),
          );
        },
      });
    }
  }
  return { constructor: Dropping as unknown as typeof globalThis.WebSocket, dropped };
}
