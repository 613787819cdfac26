/**
 * `npm run convex:push-check`: what `npx convex deploy` does before it reaches the deployment —
 * the CLI's own typecheck, codegen and bundling of both runtimes (`pushDryRun.ts`) — and this
 * project's mirror of the bundler that the offline backend loads from (`bundleConvex.ts`).
 * Exits 1 where a push would fail, naming the modules. `npm test` runs it.
 */
import { bundleConvex, ConvexBundleError } from "./bundleConvex";
import { runPushDryRun } from "./pushDryRun";

const dryRun = await runPushDryRun(process.cwd());
if (!dryRun.passedBundling) {
  console.error(`npx convex deploy --dry-run stops before the deployment:\n\n${dryRun.output}\n`);
  process.exit(1);
}
console.log("npx convex deploy --dry-run: typecheck, codegen and bundling pass");

try {
  const bundle = await bundleConvex("convex");
  console.log(
    `the offline backend's bundle: ${bundle.entryPoints.isolate.length} default-runtime and ` +
      `${bundle.entryPoints.node.length} Node entry points, ${bundle.modules.length} modules with chunks`,
  );
} catch (error) {
  if (!(error instanceof ConvexBundleError)) throw error;
  console.error(`convex/ passes the CLI's dry run but not the offline backend's bundler:\n${error.message}`);
  process.exit(1);
}
