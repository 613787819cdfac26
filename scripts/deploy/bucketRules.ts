/**
 * Step 4: the R2 bucket's CORS rule and abort-incomplete-uploads lifecycle rule
 * (`npm run r2:rules`, `scripts/r2/applyBucketRules.ts`), with the admin token: the app's own
 * token may only read and write objects. Both rules are replaced, not added again, on a re-run.
 */
import type { DeploySettings } from "./settings";
import type { Step } from "./step";

export function bucketRulesStep(settings: DeploySettings): Step {
  const { values } = settings;
  const abortDays = values.R2_ABORT_INCOMPLETE_UPLOADS_DAYS;
  return {
    title: `Apply the CORS and lifecycle rules to the R2 bucket ${values.R2_BUCKET ?? ""}`,
    notes: [
      `uploads are allowed from ${settings.appOrigin}; unfinished multipart uploads are aborted after ${abortDays ?? "7"} days`,
      "with the admin token (R2_ADMIN_ACCESS_KEY_ID, R2_ADMIN_SECRET_ACCESS_KEY)",
    ],
    commands: [
      {
        argv: ["npm", "run", "r2:rules"],
        env: {
          R2_ENDPOINT: values.R2_ENDPOINT ?? "",
          R2_BUCKET: values.R2_BUCKET ?? "",
          R2_ACCESS_KEY_ID: values.R2_ADMIN_ACCESS_KEY_ID ?? "",
          R2_SECRET_ACCESS_KEY: values.R2_ADMIN_SECRET_ACCESS_KEY ?? "",
          APP_ORIGIN: settings.appOrigin,
          ...(abortDays ? { R2_ABORT_INCOMPLETE_UPLOADS_DAYS: abortDays } : {}),
        },
      },
    ],
  };
}
