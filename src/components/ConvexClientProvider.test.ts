import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { afterEach, beforeEach, expect, test, vi } from "vitest";

const clientsMade = vi.hoisted(() => ({ count: 0 }));

vi.mock("convex/react", async (importOriginal) => {
  const actual = await importOriginal<typeof import("convex/react")>();
  class CountedClient extends actual.ConvexReactClient {
    constructor(...args: ConstructorParameters<typeof actual.ConvexReactClient>) {
      super(...args);
      clientsMade.count += 1;
    }
  }
  return { ...actual, ConvexReactClient: CountedClient };
});

beforeEach(() => {
  clientsMade.count = 0;
  vi.stubEnv("NEXT_PUBLIC_CONVEX_URL", "http://127.0.0.1:9");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

test("rendering on the server (prerendering, a request) makes no Convex client and says it is connecting", async () => {
  const { ConvexClientProvider } = await import("./ConvexClientProvider");
  const html = renderToString(createElement(ConvexClientProvider, null, createElement("p", null, "the page")));
  expect(html).toContain('aria-busy="true"');
  expect(html).toContain("Connecting…");
  expect(html).not.toContain("the page");
  expect(clientsMade.count).toBe(0);
});

test("without NEXT_PUBLIC_CONVEX_URL it says so", async () => {
  vi.stubEnv("NEXT_PUBLIC_CONVEX_URL", "");
  const { ConvexClientProvider } = await import("./ConvexClientProvider");
  const html = renderToString(createElement(ConvexClientProvider, null, "the page"));
  expect(html).toContain("NEXT_PUBLIC_CONVEX_URL is not set");
  expect(clientsMade.count).toBe(0);
});
