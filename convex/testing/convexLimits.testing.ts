/**
 * Convex's limits on values, checked in tests: convex-test does not enforce them, and a value
 * over one is refused by a real deployment (as a function's argument, its return value or a
 * document). Source: https://docs.convex.dev/production/state/limits ("Documents": arrays of at
 * most 8,192 elements, 1,024 fields, nesting depth 16, 1 MiB per document), and the `convex`
 * package's own validator docs ("Arrays can have at most 8192 elements",
 * `node_modules/convex/dist/esm/values/validator.js`). Function arguments and return values are
 * capped at 8 MiB (16 MiB on newer deployments): the smaller number is checked.
 */
import { expect } from "vitest";

export const CONVEX_VALUE_LIMITS = {
  arrayElements: 8_192,
  objectFields: 1_024,
  nestingDepth: 16,
  documentBytes: 1024 * 1024,
  functionValueBytes: 8 * 1024 * 1024,
} as const;

/** Every place in `value` that breaks a limit, as `path: problem`. */
export function convexValueProblems(value: unknown, maxBytes: number = CONVEX_VALUE_LIMITS.functionValueBytes): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, path: string, depth: number): void => {
    if (depth > CONVEX_VALUE_LIMITS.nestingDepth) problems.push(`${path}: nested ${depth} deep`);
    if (Array.isArray(node)) {
      if (node.length > CONVEX_VALUE_LIMITS.arrayElements) problems.push(`${path}: array of ${node.length} elements`);
      node.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
    } else if (node !== null && typeof node === "object") {
      const keys = Object.keys(node);
      if (keys.length > CONVEX_VALUE_LIMITS.objectFields) problems.push(`${path}: object of ${keys.length} fields`);
      for (const key of keys) walk((node as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    }
  };
  walk(value, "value", 0);
  const bytes = new TextEncoder().encode(JSON.stringify(value) ?? "").length;
  if (bytes > maxBytes) problems.push(`value: ${bytes} bytes, over ${maxBytes}`);
  return problems;
}

/** Fails the test when `value` could not cross a real Convex function's boundary. */
export function expectFitsConvexValue(value: unknown): void {
  expect(convexValueProblems(value)).toEqual([]);
}
