import type { NetworkStatus } from "../core/networkStatus";

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
