/**
 * Step 1: the production secrets the deploy makes — `WORKER_SECRET` (32 random bytes) and
 * Convex Auth's `JWT_PRIVATE_KEY`/`JWKS` — made once and then reused, never rotated silently
 * (a new worker secret locks out a worker that was not redeployed; new auth keys invalidate
 * every signed-in session's token). Each pair comes from, in order: the settings (give them to
 * rotate on purpose); `.deploy/<deployment>/secrets.json` (git-ignored, 0600), where the last
 * run kept them; the deployment itself (`npx convex env get`, output captured, never printed),
 * for a run from another checkout; otherwise it is generated. The file is then rewritten with
 * what this run uses. A dry run reads the file only.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateConvexAuthKeys } from "../dev/convexAuthKeys";
import { describeCommand, type Command, type Log, type Runner } from "./commands";
import { GENERATED_SETTINGS, type DeploySettings } from "./settings";

export type GeneratedSecrets = Record<(typeof GENERATED_SETTINGS)[number], string>;

type Group = { names: readonly (keyof GeneratedSecrets)[]; generate: () => Promise<Partial<GeneratedSecrets>>; what: string };

const GROUPS: readonly Group[] = [
  {
    names: ["WORKER_SECRET"],
    what: "32 random bytes",
    generate: async () => ({ WORKER_SECRET: randomBytes(32).toString("base64url") }),
  },
  { names: ["JWT_PRIVATE_KEY", "JWKS"], what: "an RS256 key pair", generate: generateConvexAuthKeys },
];

/** Stands in for a secret a dry run does not know yet; redacted like any other. */
export const NOT_YET_KNOWN = "<made by the real run>";

export function secretsFile(stateDir: string, deploymentName: string): string {
  return path.join(stateDir, deploymentName, "secrets.json");
}

export function readDeploymentEnvCommand(name: string, settings: DeploySettings): Command {
  return {
    argv: ["npx", "convex", "env", "get", name],
    env: { CONVEX_DEPLOY_KEY: settings.values.CONVEX_DEPLOY_KEY ?? "" },
    captureStdout: true,
  };
}

export async function resolveGeneratedSecrets(options: {
  settings: DeploySettings;
  stateDir: string;
  dryRun: boolean;
  runner: Runner;
  log: Log;
}): Promise<GeneratedSecrets | { failed: string }> {
  const { settings, stateDir, dryRun, runner, log } = options;
  const file = secretsFile(stateDir, settings.deploymentName);
  const kept = await readKept(file);
  const resolved: Partial<GeneratedSecrets> = {};
  for (const group of GROUPS) {
    const label = group.names.join(" and ");
    const given = pick(group.names, settings.values);
    const fromFile = pick(group.names, kept);
    if (given) {
      Object.assign(resolved, given);
      log(`  ${label}: given in the settings`);
    } else if (fromFile) {
      Object.assign(resolved, fromFile);
      log(`  ${label}: kept in ${file}`);
    } else if (dryRun) {
      for (const name of group.names) resolved[name] = NOT_YET_KNOWN;
      log(`  ${label}: not in ${file} yet; the real run reads the deployment's, else generates ${group.what}:`);
      for (const name of group.names) log(`    $ ${describeCommand(readDeploymentEnvCommand(name, settings))}`);
    } else {
      const onDeployment: Partial<GeneratedSecrets> = {};
      for (const name of group.names) {
        const command = readDeploymentEnvCommand(name, settings);
        log(`    $ ${describeCommand(command)}`);
        const result = await runner(command, log);
        if (result.code !== 0) return { failed: `npx convex env get ${name} exited with code ${result.code}` };
        const value = result.stdout.trim();
        if (value) onDeployment[name] = value;
      }
      const found = pick(group.names, onDeployment);
      Object.assign(resolved, found ?? (await group.generate()));
      log(`  ${label}: ${found ? "read from the deployment" : `generated (${group.what})`}, kept in ${file}`);
    }
  }
  const secrets = resolved as GeneratedSecrets;
  if (!dryRun) await keep(file, secrets);
  return secrets;
}

/** The group's values when every one of them is there, else undefined. */
function pick(names: readonly (keyof GeneratedSecrets)[], source: Readonly<Record<string, string | undefined>>) {
  const values: Partial<GeneratedSecrets> = {};
  for (const name of names) {
    const value = source[name]?.trim();
    if (!value) return undefined;
    values[name] = value;
  }
  return values;
}

async function readKept(file: string): Promise<Record<string, string | undefined>> {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch {
    throw new Error(`${file} is not the JSON this script writes; fix it (deleting it makes new secrets)`);
  }
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string | undefined>) : {};
}

async function keep(file: string, secrets: GeneratedSecrets): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
