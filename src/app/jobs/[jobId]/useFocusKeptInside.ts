import { useEffect, useLayoutEffect, useRef, type RefObject } from "react";

/**
 * Keeps keyboard focus inside `region` when the control that had it is removed or disabled by a
 * render (the file picker once a file is chosen, Pause once the upload ends, Cancel while it
 * acts): focus moves to the region's next useful element instead of dropping to the top of the
 * page. Focus the user moved elsewhere (a click outside, Tab) is left alone.
 *
 * `nextFocus`: selectors of where focus goes, tried in order, the first match in the region
 * wins; each must name focusable elements (a notice or heading needs `tabIndex={-1}`).
 */
export function useFocusKeptInside(region: RefObject<HTMLElement | null>, nextFocus: readonly string[]): void {
  /** The element inside the region that last had focus, while focus has not left the region. */
  const lastFocused = useRef<HTMLElement | null>(null);

  // On the document, so it works whatever renders the region later (it may start out unrendered).
  useEffect(() => {
    const inside = (node: EventTarget | null) => node instanceof Node && region.current?.contains(node) === true;
    const onFocusIn = (event: FocusEvent) => {
      if (event.target instanceof HTMLElement && inside(event.target)) lastFocused.current = event.target;
    };
    const onFocusOut = (event: FocusEvent) => {
      // Focus moved to another element outside: the user went elsewhere.
      if (event.relatedTarget instanceof Node && !inside(event.relatedTarget)) lastFocused.current = null;
    };
    document.addEventListener("focusin", onFocusIn);
    document.addEventListener("focusout", onFocusOut);
    return () => {
      document.removeEventListener("focusin", onFocusIn);
      document.removeEventListener("focusout", onFocusOut);
    };
  }, [region]);

  // After every render: did this render take focus away from where it was?
  useLayoutEffect(() => {
    const element = region.current;
    const previous = lastFocused.current;
    if (!element || !previous) return;
    const active = document.activeElement;
    if (active && active !== document.body) {
      if (!element.contains(active)) lastFocused.current = null;
      return;
    }
    const taken = !previous.isConnected || (previous as HTMLButtonElement).disabled === true;
    if (!taken) {
      // The user clicked somewhere that takes no focus: not ours to move it back.
      lastFocused.current = null;
      return;
    }
    for (const selector of nextFocus) {
      const next = element.querySelector<HTMLElement>(selector);
      if (next) {
        next.focus();
        return;
      }
    }
  });
}
