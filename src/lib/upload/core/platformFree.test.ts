import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** The engine's core takes the platform through its ports; the browser's are plugged in by `index.ts`. */
const CORE = path.dirname(new URL(import.meta.url).pathname);
const sources = readdirSync(CORE).filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"));

describe("core/", () => {
  it.each(sources)("%s imports nothing outside core/ but pure convex/lib modules, and no browser global", (file) => {
    const text = readFileSync(path.join(CORE, file), "utf8");
    const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((match) => match[1]!);
    for (const specifier of imports) {
      expect(specifier.startsWith("./") || /^(\.\.\/)+convex\/lib\/[A-Za-z]+$/.test(specifier), `${file} imports ${specifier}`).toBe(true);
    }
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    expect(code).not.toMatch(/\b(window|document|navigator|XMLHttpRequest|Worker|WebAssembly|React)\b/);
  });
});
