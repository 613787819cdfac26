/**
 * Step 5: the worker on Modal. Bundle it, put its two settings in the Modal secret `modal/app.py`
 * reads (`--force` replaces the secret on a re-run; the values go in a private JSON file, not
 * the command line), and deploy the app. The Modal CLI takes the token from MODAL_TOKEN_ID and
 * MODAL_TOKEN_SECRET, and the environment from MODAL_ENVIRONMENT when given.
 */
import { JSON_FILE_ARG } from "./commands";
import type { GeneratedSecrets } from "./generatedSecrets";
import type { DeploySettings } from "./settings";
import type { Step } from "./step";

/** `SECRET_NAME` in modal/app.py. */
export const MODAL_SECRET_NAME = "reeldrop-worker";

export function modalWorkerStep(settings: DeploySettings, secrets: GeneratedSecrets): Step {
  const { values } = settings;
  const modalEnv = {
    MODAL_TOKEN_ID: values.MODAL_TOKEN_ID ?? "",
    MODAL_TOKEN_SECRET: values.MODAL_TOKEN_SECRET ?? "",
    ...(values.MODAL_ENVIRONMENT ? { MODAL_ENVIRONMENT: values.MODAL_ENVIRONMENT } : {}),
  };
  const appName = values.MODAL_APP_NAME;
  return {
    title: `Deploy the worker to Modal (app ${appName ?? "reeldrop-worker"})`,
    notes: [`the worker reaches Convex at ${settings.convexSiteUrl}`],
    commands: [
      { argv: ["npm", "run", "build:worker"] },
      {
        argv: ["modal", "secret", "create", MODAL_SECRET_NAME, "--from-json", JSON_FILE_ARG, "--force"],
        env: modalEnv,
        jsonFile: { CONVEX_SITE_URL: settings.convexSiteUrl, WORKER_SECRET: secrets.WORKER_SECRET },
      },
      {
        argv: ["modal", "deploy", "modal/app.py"],
        env: { ...modalEnv, ...(appName ? { MODAL_APP_NAME: appName } : {}) },
      },
    ],
  };
}
