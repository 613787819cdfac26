/**
 * The commands a deploy runs, as data: the dry run prints them, a real run runs them. Secret
 * values travel in a child's environment, its stdin or a private temporary file — never in its
 * arguments, which any user of the machine can read (`ps`) — and every line printed, the
 * children's output included, passes through `redact`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SECRET_SETTINGS } from "./settings";

/** In `argv`, replaced by the path of the private file holding `jsonFile`. */
export const JSON_FILE_ARG = "<private JSON file>";

export type Command = {
  argv: readonly string[];
  /** Added to the child's environment. */
  env?: Readonly<Record<string, string>>;
  /** One setting's value, piped to the child's stdin (then closed). */
  stdin?: { name: string; value: string };
  /** Written, readable by the owner only, to a temporary file that is deleted afterwards. */
  jsonFile?: Readonly<Record<string, string>>;
  /** The child's stdout is returned, not printed (it may be a secret). */
  captureStdout?: boolean;
};

export type CommandResult = { code: number; stdout: string };
/** Runs one command; whatever it prints goes to `log`. */
export type Runner = (command: Command, log: Log) => Promise<CommandResult>;
export type Log = (line: string) => void;

const REDACTED = "<redacted>";

/** Replaces every occurrence of each secret value in `text`, longest first. */
export function redactor(secretValues: Iterable<string>): (text: string) => string {
  const values = [...new Set(secretValues)].filter((value) => value !== "").sort((a, b) => b.length - a.length);
  return (text) => values.reduce((redacted, value) => redacted.split(value).join(REDACTED), text);
}

/** A `Log` that redacts every line it is given. */
export function redactingLog(log: Log, secretValues: Iterable<string>): Log {
  const redact = redactor(secretValues);
  return (line) => log(redact(line));
}

/** The command as a shell line, secret values shown as `<redacted>`. */
export function describeCommand(command: Command): string {
  const shown = (name: string, value: string) => (SECRET_SETTINGS.has(name) ? REDACTED : value);
  const env = Object.entries(command.env ?? {}).map(([name, value]) => `${name}=${shellQuote(shown(name, value))}`);
  const line = [...env, ...command.argv.map(shellQuote)].join(" ");
  const notes: string[] = [];
  if (command.stdin) notes.push(`stdin: ${command.stdin.name}=${shown(command.stdin.name, command.stdin.value)}`);
  if (command.jsonFile) {
    const entries = Object.entries(command.jsonFile).map(([name, value]) => `${name}=${shown(name, value)}`);
    notes.push(`${JSON_FILE_ARG}: ${entries.join(", ")}`);
  }
  if (command.captureStdout) notes.push("output captured, not printed");
  return notes.length > 0 ? `${line}   (${notes.join("; ")})` : line;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** Runs commands for real, in `cwd`, printing their output through `log` line by line. */
export function processRunner(cwd: string): Runner {
  return async (command, log) => {
    const folder = command.jsonFile ? await mkdtemp(path.join(os.tmpdir(), "reeldrop-deploy-")) : undefined;
    try {
      let argv = [...command.argv];
      if (folder && command.jsonFile) {
        const file = path.join(folder, "values.json");
        await writeFile(file, JSON.stringify(command.jsonFile), { mode: 0o600 });
        argv = argv.map((arg) => (arg === JSON_FILE_ARG ? file : arg));
      }
      return await spawnLogged(argv, command, cwd, log);
    } finally {
      if (folder) await rm(folder, { recursive: true, force: true });
    }
  };
}

function spawnLogged(argv: string[], command: Command, cwd: string, log: Log): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file ?? "", args, {
      cwd,
      env: { ...process.env, ...command.env },
      stdio: [command.stdin ? "pipe" : "inherit", "pipe", "pipe"],
    });
    let captured = "";
    const printLines = () => {
      let pending = "";
      return {
        write: (chunk: Buffer) => {
          const lines = (pending + chunk.toString("utf8")).split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) log(line);
        },
        flush: () => pending && log(pending),
      };
    };
    const out = printLines();
    const err = printLines();
    child.stdout?.on("data", (chunk: Buffer) => (command.captureStdout ? (captured += chunk.toString("utf8")) : out.write(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => err.write(chunk));
    if (command.stdin) child.stdin?.end(command.stdin.value);
    child.on("error", (error) => {
      log(`${file} could not be started: ${error.message}`);
      resolve({ code: 127, stdout: "" });
    });
    child.on("close", (code, signal) => {
      out.flush();
      err.flush();
      resolve({ code: code ?? (signal ? 1 : 0), stdout: captured });
    });
  });
}
