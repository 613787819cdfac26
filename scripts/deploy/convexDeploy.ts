/**
 * Step 3: push the functions (typecheck, codegen, bundle, schema and indexes) and build the app
 * with the deployment's URL: `npx convex deploy` runs `npm run build` with
 * `NEXT_PUBLIC_CONVEX_URL` set to the deployment's URL, and pushes only if the build passed.
 */
import type { DeploySettings } from "./settings";
import type { Step } from "./step";

export function convexDeployStep(settings: DeploySettings): Step {
  return {
    title: `Push the functions to ${settings.deploymentName} and build the app against it`,
    notes: [`the build gets NEXT_PUBLIC_CONVEX_URL=${settings.convexUrl}; set the same on the app's host`],
    commands: [
      {
        argv: ["npx", "convex", "deploy", "--cmd", "npm run build", "--cmd-url-env-var-name", "NEXT_PUBLIC_CONVEX_URL"],
        env: { CONVEX_DEPLOY_KEY: settings.values.CONVEX_DEPLOY_KEY ?? "" },
      },
    ],
  };
}
