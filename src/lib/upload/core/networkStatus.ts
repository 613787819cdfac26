/** Whether the browser believes it is online; the engine pauses while it is not (port; the browser's: `transport/browserNetworkStatus.ts`). */
export interface NetworkStatus {
  isOnline(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (online: boolean) => void): () => void;
}
