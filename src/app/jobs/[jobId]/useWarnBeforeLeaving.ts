import { useEffect } from "react";

/**
 * While `active`, leaving the page asks first: closing or reloading the tab gets the browser's
 * own "Leave site?" prompt, and following one of the app's links gets `message` in a confirm
 * dialog (client-side navigation fires no `beforeunload`). Declining keeps the page as it was.
 */
export function useWarnBeforeLeaving(active: boolean, message: string): void {
  useEffect(() => {
    if (!active) return;
    /** The user already said yes to leaving by a link: a link that reloads the page asks once, not twice. */
    let leaveConfirmedAt = -Infinity;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (performance.now() - leaveConfirmedAt < 1000) return;
      event.preventDefault();
      // Older Chromium and Safari show the prompt only when returnValue is set.
      event.returnValue = "";
    };
    // Capture, on the document: runs before the router's own click handling.
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || (link.target !== "" && link.target !== "_self") || link.hasAttribute("download")) return;
      const destination = new URL(link.href, window.location.href);
      if (destination.origin !== window.location.origin || destination.pathname === window.location.pathname) return;
      if (window.confirm(message)) {
        leaveConfirmedAt = performance.now();
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [active, message]);
}
