/** Whether the browser believes it is online; the engine pauses while it is not. */
export interface NetworkStatus {
  isOnline(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (online: boolean) => void): () => void;
}

/** `navigator.onLine` and the window's `online`/`offline` events; always online outside a browser. */
export function browserNetworkStatus(): NetworkStatus {
  if (typeof window === "undefined" || typeof navigator === "undefined") {
    return { isOnline: () => true, onChange: () => () => {} };
  }
  return {
    isOnline: () => navigator.onLine,
    onChange(listener) {
      const goOnline = () => listener(true);
      const goOffline = () => listener(false);
      window.addEventListener("online", goOnline);
      window.addEventListener("offline", goOffline);
      return () => {
        window.removeEventListener("online", goOnline);
        window.removeEventListener("offline", goOffline);
      };
    },
  };
}
