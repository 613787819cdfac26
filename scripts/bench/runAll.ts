/**
 * Runs every benchmark, one after another (they share two cores), and prints each one's
 * result line; `--out file.json` also writes them to a file. A benchmark that fails is
 * reported and the rest still run; the exit code says whether all passed.
 *
 *   tsx scripts/bench/runAll.ts [--quick] [--out results.json]
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, out: { type: "string" } } });

// --quick: small sizes, to check the benchmarks work rather than to measure.
const BENCHMARKS: { file: string; args: string[]; quickArgs: string[]; timeoutMs: number }[] = [
  { file: "queueScale.ts", args: ["--jobs", "1000"], quickArgs: ["--jobs", "40"], timeoutMs: 900_000 },
  { file: "claimLatency.ts", args: ["--jobs", "50"], quickArgs: ["--jobs", "5"], timeoutMs: 600_000 },
  { file: "processingThroughput.ts", args: ["--runs", "3"], quickArgs: ["--runs", "1", "--seconds", "10"], timeoutMs: 1_200_000 },
  { file: "uploadThroughput.ts", args: ["--diagnose"], quickArgs: ["--mib", "32", "--runs", "1"], timeoutMs: 900_000 },
];

function runBenchmark(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; results: unknown[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", `scripts/bench/${file}`, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const results: unknown[] = [];
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("BENCH_RESULT ")) results.push(JSON.parse(line.slice("BENCH_RESULT ".length)));
      }
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, results });
    });
  });
}

const all: unknown[] = [];
let failed = 0;
for (const { file, args, quickArgs, timeoutMs } of BENCHMARKS) {
  console.log(`\n=== ${file} ===`);
  const { code, results } = await runBenchmark(file, values.quick ? quickArgs : args, timeoutMs);
  if (code !== 0) {
    failed++;
    console.log(`${file} failed (exit ${code})`);
  }
  all.push(...results);
}
if (values.out) await writeFile(values.out, JSON.stringify(all, null, 2) + "\n");
console.log(`\n${BENCHMARKS.length - failed}/${BENCHMARKS.length} benchmarks finished`);
process.exitCode = failed === 0 ? 0 : 1;
