/**
 * Step 2: the deployment's function environment, one `npx convex env set NAME` per setting with
 * the value on stdin — the CLI's way to keep a value out of the command line (its `--from-file`
 * and stdin forms for many variables parse a .env text, which would need quoting). Setting a
 * value again is harmless, so the step is safe to repeat. Settings no longer given are left
 * alone: remove one with `npx convex env remove NAME`.
 */
import type { Command } from "./commands";
import type { GeneratedSecrets } from "./generatedSecrets";
import { OPTIONAL_FUNCTION_SETTINGS, type DeploySettings } from "./settings";
import type { Step } from "./step";

/** The names and values the functions get, in the order they are set. */
export function functionEnvironment(settings: DeploySettings, secrets: GeneratedSecrets): [string, string][] {
  const { values } = settings;
  const required: [string, string | undefined][] = [
    ["R2_ENDPOINT", values.R2_ENDPOINT],
    ["R2_BUCKET", values.R2_BUCKET],
    ["R2_ACCESS_KEY_ID", values.R2_ACCESS_KEY_ID],
    ["R2_SECRET_ACCESS_KEY", values.R2_SECRET_ACCESS_KEY],
    ["WORKER_SECRET", secrets.WORKER_SECRET],
    ["SITE_URL", values.SITE_URL],
    ["JWT_PRIVATE_KEY", secrets.JWT_PRIVATE_KEY],
    ["JWKS", secrets.JWKS],
    ["MODAL_TOKEN_ID", values.MODAL_TOKEN_ID],
    ["MODAL_TOKEN_SECRET", values.MODAL_TOKEN_SECRET],
  ];
  const optional = OPTIONAL_FUNCTION_SETTINGS.map((name): [string, string | undefined] => [name, values[name]]);
  return [...required, ...optional].filter((entry): entry is [string, string] => Boolean(entry[1]));
}

export function convexEnvStep(settings: DeploySettings, secrets: GeneratedSecrets): Step {
  const environment = functionEnvironment(settings, secrets);
  const deployKey = { CONVEX_DEPLOY_KEY: settings.values.CONVEX_DEPLOY_KEY ?? "" };
  return {
    title: `Set the functions' environment on ${settings.deploymentName}`,
    notes: [`${environment.length} settings, each value on stdin: ${environment.map(([name]) => name).join(", ")}`],
    commands: environment.map(
      ([name, value]): Command => ({ argv: ["npx", "convex", "env", "set", name], env: deployKey, stdin: { name, value } }),
    ),
  };
}
