import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { JSON_FILE_ARG, processRunner, redactingLog, type Command, type Runner } from "./commands";
import { convexEnvStep } from "./convexEnv";
import { deploy } from "./deploy";
import { secretsFile, type GeneratedSecrets } from "./generatedSecrets";
import { REQUIRED_SETTINGS, mergeSettingsSources, readDeploySettings, type DeploySettings } from "./settings";

const root = path.resolve(import.meta.dirname, "../..");

/** Every secret is distinctive, so that finding any of it in the output is a leak. */
const given = {
  CONVEX_DEPLOY_KEY: "prod:happy-otter-123|DEPLOYKEYSECRETdeploykeysecret",
  CONVEX_URL: "https://happy-otter-123.convex.cloud",
  SITE_URL: "https://reeldrop.example",
  R2_ENDPOINT: "https://account.r2.cloudflarestorage.com",
  R2_BUCKET: "reeldrop-media",
  R2_ACCESS_KEY_ID: "app-key-id",
  R2_SECRET_ACCESS_KEY: "APPSECRETappsecretAPPSECRET",
  R2_ADMIN_ACCESS_KEY_ID: "admin-key-id",
  R2_ADMIN_SECRET_ACCESS_KEY: "ADMINSECRETadminsecret",
  MODAL_TOKEN_ID: "ak-modal-id",
  MODAL_TOKEN_SECRET: "as-MODALSECRETmodalsecret",
};
const kept: GeneratedSecrets = {
  WORKER_SECRET: "KEPTWORKERSECRETkeptworkersecret",
  JWT_PRIVATE_KEY: "-----BEGIN PRIVATE KEY----- KEPTPRIVATEKEYkeptprivatekey -----END PRIVATE KEY-----",
  JWKS: '{"keys":[{"use":"sig","kty":"RSA","n":"KEPTPUBLICKEY","e":"AQAB"}]}',
};
const secretValues = [
  given.CONVEX_DEPLOY_KEY,
  given.R2_SECRET_ACCESS_KEY,
  given.R2_ADMIN_SECRET_ACCESS_KEY,
  given.MODAL_TOKEN_SECRET,
  ...Object.values(kept),
];
/** The distinctive middle of each secret: a partial leak counts too. */
const secretMarks = ["DEPLOYKEYSECRET", "APPSECRET", "ADMINSECRET", "MODALSECRET", "KEPTWORKERSECRET", "KEPTPRIVATEKEY", "KEPTPUBLICKEY"];

function settingsOf(values: Record<string, string>): DeploySettings {
  const result = readDeploySettings(values);
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.settings;
}

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), "deploy-test-"));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function keepSecrets(secrets: GeneratedSecrets) {
  const file = secretsFile(stateDir, "happy-otter-123");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(secrets));
}

function recordingRunner(answer: (command: Command) => { code: number; stdout: string } = () => ({ code: 0, stdout: "" })) {
  const commands: Command[] = [];
  const runner: Runner = async (command) => {
    commands.push(command);
    return answer(command);
  };
  return { commands, runner };
}

async function dryRun(values: Record<string, string>) {
  const lines: string[] = [];
  const { commands, runner } = recordingRunner();
  const code = await deploy({ settings: settingsOf(values), stateDir, dryRun: true, runner, log: (line) => lines.push(line) });
  return { code, output: lines.join("\n"), commands };
}

describe("the dry run", () => {
  test("prints the five steps in order and runs nothing", async () => {
    await keepSecrets(kept);
    const { code, output, commands } = await dryRun(given);
    expect(code).toBe(0);
    expect(commands).toEqual([]);
    const titles = output.split("\n").filter((line) => /^\[\d\/5\]/.test(line));
    expect(titles).toEqual([
      "[1/5] Production secrets: WORKER_SECRET, JWT_PRIVATE_KEY and JWKS",
      "[2/5] Set the functions' environment on happy-otter-123",
      "[3/5] Push the functions to happy-otter-123 and build the app against it",
      "[4/5] Apply the CORS and lifecycle rules to the R2 bucket reeldrop-media",
      "[5/5] Deploy the worker to Modal (app reeldrop-worker)",
    ]);
  });

  test("prints the exact commands, with every secret redacted", async () => {
    await keepSecrets(kept);
    const { output } = await dryRun({ ...given, MAX_VIDEO_SECONDS: "7200", MODAL_APP_NAME: "reeldrop-prod" });
    for (const mark of secretMarks) expect(output).not.toContain(mark);
    const commandLines = output.split("\n").filter((line) => line.startsWith("  $ "));
    expect(commandLines).toEqual([
      ...[
        ["R2_ENDPOINT", given.R2_ENDPOINT],
        ["R2_BUCKET", given.R2_BUCKET],
        ["R2_ACCESS_KEY_ID", given.R2_ACCESS_KEY_ID],
        ["R2_SECRET_ACCESS_KEY", "<redacted>"],
        ["WORKER_SECRET", "<redacted>"],
        ["SITE_URL", given.SITE_URL],
        ["JWT_PRIVATE_KEY", "<redacted>"],
        ["JWKS", "<redacted>"],
        ["MODAL_TOKEN_ID", given.MODAL_TOKEN_ID],
        ["MODAL_TOKEN_SECRET", "<redacted>"],
        ["MAX_VIDEO_SECONDS", "7200"],
        ["MODAL_APP_NAME", "reeldrop-prod"],
      ].map(([name, shown]) => `  $ CONVEX_DEPLOY_KEY='<redacted>' npx convex env set ${name}   (stdin: ${name}=${shown})`),
      "  $ CONVEX_DEPLOY_KEY='<redacted>' npx convex deploy --cmd 'npm run build' --cmd-url-env-var-name NEXT_PUBLIC_CONVEX_URL",
      "  $ R2_ENDPOINT=https://account.r2.cloudflarestorage.com R2_BUCKET=reeldrop-media R2_ACCESS_KEY_ID=admin-key-id " +
        "R2_SECRET_ACCESS_KEY='<redacted>' APP_ORIGIN=https://reeldrop.example npm run r2:rules",
      "  $ npm run build:worker",
      "  $ MODAL_TOKEN_ID=ak-modal-id MODAL_TOKEN_SECRET='<redacted>' modal secret create reeldrop-worker --from-json " +
        "'<private JSON file>' --force   (<private JSON file>: CONVEX_SITE_URL=https://happy-otter-123.convex.site, WORKER_SECRET=<redacted>)",
      "  $ MODAL_TOKEN_ID=ak-modal-id MODAL_TOKEN_SECRET='<redacted>' MODAL_APP_NAME=reeldrop-prod modal deploy modal/app.py",
    ]);
  });

  test("without kept secrets it says they are read from the deployment or generated, and writes nothing", async () => {
    const { output } = await dryRun(given);
    expect(output).toContain("WORKER_SECRET: not in");
    expect(output).toContain("    $ CONVEX_DEPLOY_KEY='<redacted>' npx convex env get WORKER_SECRET   (output captured, not printed)");
    expect(output).toContain("    $ CONVEX_DEPLOY_KEY='<redacted>' npx convex env get JWKS   (output captured, not printed)");
    expect(existsSync(path.join(stateDir, "happy-otter-123"))).toBe(false);
  });
});

describe("the command", () => {
  const runMain = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/deploy/main.ts", ...args],
        // PATH is empty: a dry run that tried to start npx, npm or modal would fail.
        { cwd: root, env: { ...env, PATH: "", HOME: stateDir, NODE_ENV: "test" } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  test("names every missing value together, exits 2, and prints no value", async () => {
    const { code, stdout, stderr } = await runMain(["--dry-run", "--state-dir", stateDir], {
      R2_SECRET_ACCESS_KEY: given.R2_SECRET_ACCESS_KEY,
      SITE_URL: "https://reeldrop.example/app",
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    for (const [name] of REQUIRED_SETTINGS) {
      if (name === "R2_SECRET_ACCESS_KEY" || name === "SITE_URL") expect(stderr).not.toContain(`${name} is not set`);
      else expect(stderr).toContain(`  - ${name} is not set: `);
    }
    expect(stderr).toContain('SITE_URL is "https://reeldrop.example/app", not an origin');
    expect(stderr).not.toContain("APPSECRET");
  }, 30_000);

  test("--dry-run from an env file: exit 0, the steps, no secret anywhere", async () => {
    const envFile = path.join(stateDir, "settings.env");
    await writeFile(envFile, Object.entries(given).map(([name, value]) => `${name}=${value}`).join("\n"));
    await keepSecrets(kept);
    const { code, stdout, stderr } = await runMain(["--dry-run", "--env-file", envFile, "--state-dir", stateDir], {});
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("[5/5] Deploy the worker to Modal");
    for (const mark of secretMarks) expect(stdout).not.toContain(mark);
  }, 30_000);
});

describe("settings", () => {
  test("the environment overrides the env file, blanks count as missing", () => {
    expect(mergeSettingsSources({ A: "from env", B: " " }, "A=from file\nB=file b\nC='c'\n")).toEqual({
      A: "from env",
      B: "file b",
      C: "c",
    });
  });

  test("the deploy key, the deployment URL and the auth key pair must agree", () => {
    const problems = (values: Record<string, string>) => {
      const result = readDeploySettings({ ...given, ...values });
      return result.ok ? [] : result.problems;
    };
    expect(problems({})).toEqual([]);
    expect(problems({ CONVEX_URL: "https://other-deployment-9.convex.cloud" })).toEqual([
      "CONVEX_URL (https://other-deployment-9.convex.cloud) is not the deployment CONVEX_DEPLOY_KEY is for (happy-otter-123)",
    ]);
    expect(problems({ CONVEX_DEPLOY_KEY: "project:team:proj|SECRETISH" })).toEqual([
      "CONVEX_DEPLOY_KEY is not a deployment's deploy key (one starts with prod:<deployment name>|)",
    ]);
    expect(problems({ JWKS: "{}" })).toEqual(["JWT_PRIVATE_KEY and JWKS are a pair: give both, or neither to have them generated"]);
    expect(problems({ APP_ORIGIN: "https://a.example/" })[0]).toContain("APP_ORIGIN has");
    expect(settingsOf({ ...given, CONVEX_URL: "https://happy-otter-123.eu-west-1.convex.cloud" }).convexSiteUrl).toBe(
      "https://happy-otter-123.eu-west-1.convex.site",
    );
  });
});

describe("a real run (commands recorded, not started)", () => {
  test("generates the secrets once, keeps them 0600, and sends the same ones again on a re-run", async () => {
    const first = recordingRunner();
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    expect(await deploy({ settings: settingsOf(given), stateDir, dryRun: false, runner: first.runner, log })).toBe(0);

    const file = secretsFile(stateDir, "happy-otter-123");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(await readFile(file, "utf8")) as GeneratedSecrets;
    expect(Buffer.from(secrets.WORKER_SECRET, "base64url")).toHaveLength(32);
    expect(secrets.JWT_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY----- .+ -----END PRIVATE KEY-----$/);
    expect(JSON.parse(secrets.JWKS)).toMatchObject({ keys: [{ use: "sig", kty: "RSA" }] });

    const sent = (commands: Command[]) =>
      Object.fromEntries(commands.filter((c) => c.stdin).map((c) => [c.stdin?.name, c.stdin?.value]));
    expect(first.commands.slice(0, 3).map((c) => c.argv.join(" "))).toEqual([
      "npx convex env get WORKER_SECRET",
      "npx convex env get JWT_PRIVATE_KEY",
      "npx convex env get JWKS",
    ]);
    expect(sent(first.commands)).toMatchObject({ ...secrets, R2_SECRET_ACCESS_KEY: given.R2_SECRET_ACCESS_KEY });
    const modalSecret = first.commands.find((c) => c.argv.includes("secret"));
    expect(modalSecret?.jsonFile).toEqual({ CONVEX_SITE_URL: "https://happy-otter-123.convex.site", WORKER_SECRET: secrets.WORKER_SECRET });
    for (const command of first.commands) {
      for (const value of [...secretValues, ...Object.values(secrets)]) expect(command.argv.join(" ")).not.toContain(value);
    }
    for (const value of Object.values(secrets)) expect(lines.join("\n")).not.toContain(value);

    const again = recordingRunner();
    expect(await deploy({ settings: settingsOf(given), stateDir, dryRun: false, runner: again.runner, log })).toBe(0);
    expect(again.commands.some((c) => c.argv.includes("get"))).toBe(false);
    expect(sent(again.commands)).toEqual(sent(first.commands));
  });

  test("adopts the deployment's secrets when this checkout has none kept", async () => {
    const onDeployment: Record<string, string> = { ...kept };
    const { commands, runner } = recordingRunner((command) => ({
      code: 0,
      stdout: command.argv[3] === "get" ? `${onDeployment[command.argv[4] ?? ""]}\n` : "",
    }));
    await deploy({ settings: settingsOf(given), stateDir, dryRun: false, runner, log: () => {} });
    expect(JSON.parse(await readFile(secretsFile(stateDir, "happy-otter-123"), "utf8"))).toEqual(kept);
    expect(commands.find((c) => c.stdin?.name === "WORKER_SECRET")?.stdin?.value).toBe(kept.WORKER_SECRET);
  });

  test("a failing step stops the deploy, is named, and its output is redacted", async () => {
    await keepSecrets(kept);
    const lines: string[] = [];
    const ran: string[] = [];
    const runner: Runner = async (command, log) => {
      ran.push(command.argv.join(" "));
      if (command.argv[2] !== "deploy") return { code: 0, stdout: "" };
      log(`push failed for ${given.CONVEX_DEPLOY_KEY} with ${kept.WORKER_SECRET}`);
      return { code: 3, stdout: "" };
    };
    const code = await deploy({ settings: settingsOf(given), stateDir, dryRun: false, runner, log: (line) => lines.push(line) });
    expect(code).toBe(1);
    expect(ran.at(-1)).toBe("npx convex deploy --cmd npm run build --cmd-url-env-var-name NEXT_PUBLIC_CONVEX_URL");
    expect(ran.some((argv) => argv.includes("r2:rules") || argv.includes("modal"))).toBe(false);
    const output = lines.join("\n");
    expect(output).toContain("push failed for <redacted> with <redacted>");
    expect(output).toContain("Step 3 of 5 failed: npx convex deploy --cmd exited with code 3.");
    for (const mark of secretMarks) expect(output).not.toContain(mark);
  });
});

describe("running commands", () => {
  test("a private JSON file replaces its placeholder, is 0600, and is gone afterwards; stdin is piped", async () => {
    const lines: string[] = [];
    const script = [
      "const fs = require('node:fs');",
      "const file = process.argv[1];",
      "let input = ''; process.stdin.on('data', (c) => (input += c)).on('end', () => {",
      "  console.log(file); console.log('mode ' + (fs.statSync(file).mode & 0o777).toString(8));",
      "  console.log(fs.readFileSync(file, 'utf8')); console.log('stdin ' + input); });",
    ].join("\n");
    const result = await processRunner(root)(
      {
        argv: [process.execPath, "-e", script, JSON_FILE_ARG],
        jsonFile: { WORKER_SECRET: kept.WORKER_SECRET },
        stdin: { name: "JWKS", value: kept.JWKS },
      },
      redactingLog((line) => lines.push(line), [kept.WORKER_SECRET, kept.JWKS]),
    );
    expect(result.code).toBe(0);
    const [file, mode, content, stdin] = lines;
    expect(mode).toBe("mode 600");
    expect(content).toBe('{"WORKER_SECRET":"<redacted>"}');
    expect(stdin).toBe("stdin <redacted>");
    expect(existsSync(file ?? "")).toBe(false);
  });

  test("the Convex CLI receives each value exactly as given, from stdin (a stand-in self-hosted deployment)", async () => {
    const received: unknown[] = [];
    const server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        if (request.url === "/api/update_environment_variables") received.push(JSON.parse(body));
        response.setHeader("content-type", "application/json");
        response.end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const step = convexEnvStep(settingsOf({ ...given, ...kept }), kept);
      const tricky = step.commands.filter((c) => ["WORKER_SECRET", "JWT_PRIVATE_KEY", "JWKS"].includes(c.stdin?.name ?? ""));
      const run = processRunner(root);
      for (const command of tricky) {
        const { CONVEX_DEPLOY_KEY: _unused, ...env } = command.env ?? {};
        const selfHosted = { CONVEX_SELF_HOSTED_URL: `http://127.0.0.1:${port}`, CONVEX_SELF_HOSTED_ADMIN_KEY: "test-admin" };
        expect((await run({ ...command, env: { ...env, ...selfHosted } }, () => {})).code).toBe(0);
      }
    } finally {
      server.close();
    }
    expect(received).toEqual(
      (["WORKER_SECRET", "JWT_PRIVATE_KEY", "JWKS"] as const).map((name) => ({ changes: [{ name, value: kept[name] }] })),
    );
  }, 60_000);
});
