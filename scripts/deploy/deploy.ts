/**
 * `npm run deploy` in order: (1) the production secrets, (2) the functions' environment,
 * (3) push and build, (4) the bucket's rules, (5) the Modal worker. A dry run prints every step
 * and its exact commands and runs none of them. Every step is safe to repeat, so after a
 * failure the fix is to run the whole deploy again.
 */
import { bucketRulesStep } from "./bucketRules";
import { describeCommand, redactingLog, type Log, type Runner } from "./commands";
import { convexDeployStep } from "./convexDeploy";
import { convexEnvStep } from "./convexEnv";
import { resolveGeneratedSecrets } from "./generatedSecrets";
import { modalWorkerStep } from "./modalWorker";
import { SECRET_SETTINGS, type DeploySettings } from "./settings";
import type { Step } from "./step";

export const STEP_COUNT = 5;

export type DeployOptions = {
  settings: DeploySettings;
  /** Where generated secrets are kept between runs (`.deploy/`). */
  stateDir: string;
  dryRun: boolean;
  runner: Runner;
  log: Log;
};

/** Runs (or, dry, prints) the deploy; answers the process's exit code: 0 done, 1 a step failed. */
export async function deploy(options: DeployOptions): Promise<number> {
  const { settings, dryRun, runner } = options;
  const givenSecrets = Object.entries(settings.values)
    .filter(([name]) => SECRET_SETTINGS.has(name))
    .map(([, value]) => value);
  let log = redactingLog(options.log, givenSecrets);
  log(
    dryRun
      ? `Dry run: the deploy to ${settings.deploymentName} (${settings.convexUrl}), step by step. Nothing is run, written or contacted.`
      : `Deploying Reeldrop to ${settings.deploymentName} (${settings.convexUrl}).`,
  );

  log(`\n[1/${STEP_COUNT}] Production secrets: WORKER_SECRET, JWT_PRIVATE_KEY and JWKS`);
  const secrets = await resolveGeneratedSecrets({ ...options, log });
  if ("failed" in secrets) return failed(log, 1, secrets.failed);
  log = redactingLog(options.log, [...givenSecrets, ...Object.values(secrets)]);

  const steps: Step[] = [
    convexEnvStep(settings, secrets),
    convexDeployStep(settings),
    bucketRulesStep(settings),
    modalWorkerStep(settings, secrets),
  ];
  for (const [index, step] of steps.entries()) {
    const number = index + 2;
    log(`\n[${number}/${STEP_COUNT}] ${step.title}`);
    for (const note of step.notes) log(`  ${note}`);
    for (const command of step.commands) {
      log(`  $ ${describeCommand(command)}`);
      if (dryRun) continue;
      const result = await runner(command, log);
      if (result.code !== 0) {
        return failed(log, number, `${command.argv.slice(0, 4).join(" ")} exited with code ${result.code}`);
      }
    }
  }

  log(
    `\n${dryRun ? "That is the whole deploy." : "Deployed."} The app itself is hosted elsewhere (see README → Deploying): ` +
      `build it there with NEXT_PUBLIC_CONVEX_URL=${settings.convexUrl}, at ${settings.values.SITE_URL ?? "SITE_URL"}.`,
  );
  return 0;
}

function failed(log: Log, step: number, why: string): number {
  log(`\nStep ${step} of ${STEP_COUNT} failed: ${why}. Fix the cause and run npm run deploy again: every step is safe to repeat.`);
  return 1;
}
