import { afterEach, describe, expect, it, vi } from "vitest";
import { browserNetworkStatus } from "./browserNetworkStatus";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("browserNetworkStatus", () => {
  it("is always online outside a browser", () => {
    const status = browserNetworkStatus();
    expect(status.isOnline()).toBe(true);
    expect(typeof status.onChange(() => {})).toBe("function");
  });

  it("follows navigator.onLine and the window's online/offline events", () => {
    const target = new EventTarget();
    const navigatorStub = { onLine: true };
    vi.stubGlobal("window", target);
    vi.stubGlobal("navigator", navigatorStub);
    const status = browserNetworkStatus();
    const seen: boolean[] = [];
    const stop = status.onChange((online) => seen.push(online));
    navigatorStub.onLine = false;
    expect(status.isOnline()).toBe(false);
    target.dispatchEvent(new Event("offline"));
    target.dispatchEvent(new Event("online"));
    stop();
    target.dispatchEvent(new Event("offline"));
    expect(seen).toEqual([false, true]);
  });
});
