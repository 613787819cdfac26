/**
 * `npm run deploy [-- --dry-run] [--env-file <file>]`: Reeldrop to production, from a checkout
 * (see README → Deploying, and `deploy.ts` for the steps). Settings come from the environment
 * and `.env.deploy.local` (git-ignored). Exit codes: 0 deployed (or the dry run printed),
 * 1 a step failed, 2 a setting or tool is missing or wrong (all of them are named).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { processRunner } from "./commands";
import { deploy } from "./deploy";
import { mergeSettingsSources, readDeploySettings, readEnvFileText } from "./settings";

const USAGE = `Usage: npm run deploy -- [--dry-run] [--env-file <file>] [--state-dir <dir>]

  --dry-run          print every step and the exact commands (secrets redacted); run nothing
  --env-file <file>  settings file, KEY=value lines (default: .env.deploy.local); the
                     environment overrides it
  --state-dir <dir>  where generated secrets are kept between runs (default: .deploy)
`;

/** The commands a real run starts, found on the PATH before anything runs. */
const TOOLS = [
  ["npx", "comes with Node.js"],
  ["npm", "comes with Node.js"],
  ["modal", "the Modal CLI: pip install -r modal/requirements-dev.txt (or pip install modal)"],
] as const;

export async function main(argv: readonly string[], root: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        "dry-run": { type: "boolean", default: false },
        "env-file": { type: "string" },
        "state-dir": { type: "string", default: ".deploy" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const envFile = path.resolve(root, args["env-file"] ?? ".env.deploy.local");
  if (args["env-file"] !== undefined && !existsSync(envFile)) {
    console.error(`Cannot deploy: the settings file ${envFile} does not exist.`);
    return 2;
  }
  const result = readDeploySettings(mergeSettingsSources(process.env, readEnvFileText(envFile)));
  const problems = result.ok ? [] : [...result.problems];
  if (!args["dry-run"]) {
    for (const [tool, hint] of TOOLS) if (!onPath(tool)) problems.push(`${tool} is not on the PATH: ${hint}`);
  }
  if (!result.ok || problems.length > 0) {
    console.error(
      `Cannot deploy: ${problems.length} setting(s) or tool(s) missing or wrong:\n` +
        problems.map((problem) => `  - ${problem}`).join("\n") +
        `\nSet them in ${path.relative(root, envFile) || envFile} or the environment (README → Deploying), then run again.`,
    );
    return 2;
  }
  return await deploy({
    settings: result.settings,
    stateDir: path.resolve(root, args["state-dir"]),
    dryRun: args["dry-run"],
    runner: processRunner(root),
    log: (line) => console.log(line),
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((folder) => folder !== "" && existsSync(path.join(folder, command)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), path.resolve(import.meta.dirname, "../..")).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`Deploy stopped: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
