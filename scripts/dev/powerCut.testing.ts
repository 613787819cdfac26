/**
 * The power-cut drill's tools: a SIGKILL of every process of a running `npm run dev` at once (no
 * clean-up runs: not the stack's, not the reaper's), a video several 8 MiB parts long, the
 * stored objects read back with the stack's own storage credentials, and the job timeline's
 * walk of the state machine.
 */
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "../../convex/model/s3Client";
import { canTransition, type JobStatus } from "../../convex/lib/jobStatus";
import { runFfmpeg, runFfprobe } from "../../modal/worker/pipeline/ffmpegBinaries";
import { scanRecords } from "../convex-offline/journal";
import { descendantsOf, isAlive, livingMembersOf, type DevCommand } from "./devCommand.testing";
import type { StackEndpoints } from "./devStack";

/** Every process a running stack is made of, from `ps`: the stack's own, its reaper, each child group's members. */
export type StackProcesses = {
  devPid: number;
  /** The process groups of the children (`stack.json`) and of the detached reaper. */
  groups: number[];
  pids: number[];
};

export function processesOfStack(dev: DevCommand, stack: StackEndpoints): StackProcesses {
  const devPid = dev.process.pid!;
  const groupOf = new Map(
    execFileSync("ps", ["-eo", "pid=,pgid="], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]),
  );
  const below = descendantsOf(devPid);
  const childGroups = Object.values(stack.processGroups);
  // The reaper is detached (a group of its own) and in no group stack.json names.
  const groups = [...new Set([...childGroups, ...below.map((pid) => groupOf.get(pid)!).filter((group) => group !== groupOf.get(devPid))])];
  const pids = [...new Set([...below, ...livingMembersOf(groups), devPid])];
  return { devPid, groups, pids };
}

/**
 * A power cut: SIGKILL to every process group of the stack (the reaper's first, so it never
 * sees the stack die), to any other process below the stack, then to the stack's own process,
 * all in one synchronous loop. Resolves once every one of them is gone.
 */
export async function cutThePower(dev: DevCommand, stack: StackEndpoints): Promise<StackProcesses> {
  const found = processesOfStack(dev, stack);
  const reaperGroups = found.groups.filter((group) => !Object.values(stack.processGroups).includes(group));
  const ordered = [...reaperGroups, ...found.groups.filter((group) => !reaperGroups.includes(group))];
  for (const group of ordered) killQuietly(-group);
  for (const pid of found.pids) if (pid !== found.devPid) killQuietly(pid);
  killQuietly(found.devPid);
  await dev.exited;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const alive = [...new Set([...livingMembersOf(found.groups), ...found.pids.filter(isAlive)])];
    if (alive.length === 0) return found;
    if (Date.now() > deadline) throw new Error(`Still alive after the power cut: ${alive.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killQuietly(target: number): void {
  try {
    process.kill(target, "SIGKILL");
  } catch {
    // Already gone.
  }
}

export const PART_SIZE = 8 * 1024 * 1024;

/**
 * A 6 s 320×180 test pattern with a tone (H.264/AAC mp4), grown to `bytes` with a top-level
 * `free` box of random bytes after the index: ISO BMFF's padding, which every reader skips, so
 * the file still probes and plays as the same 6 s video while its upload takes several parts.
 */
export async function writePaddedVideo(filePath: string, bytes: number): Promise<{ size: number; durationSec: number }> {
  const encoded = `${filePath}.encoded.mp4`;
  // ffmpeg: testsrc2 + 440 Hz sine, 6 s → H.264 ultrafast / AAC mono mp4.
  await runFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=6"],
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=6"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    ...["-c:a", "aac", "-b:a", "32k", "-ac", "1", "-y", encoded],
  ]);
  const video = await readFile(encoded);
  const padding = bytes - video.length;
  if (padding < 8) throw new Error(`The encoded video is ${video.length} bytes, more than the ${bytes} asked for`);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(padding, 0);
  header.write("free", 4, "ascii");
  await writeFile(filePath, Buffer.concat([video, header, randomBytes(padding - 8)]));
  // ffprobe: the container's duration, to be sure the padding left a video.
  const probed = await runFfprobe(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", filePath]);
  return { size: (await stat(filePath)).size, durationSec: Number(String(probed).trim()) };
}

type StorageSettings = { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };

/** The storage the stack's functions use, as `npm run dev` gave it to them (`convex-env.json`). */
export async function stackStorage(stateDir: string): Promise<StorageSettings> {
  const env = JSON.parse(await readFile(path.join(stateDir, "convex-env.json"), "utf8")) as Record<string, string>;
  return { endpoint: env.R2_ENDPOINT!, bucket: env.R2_BUCKET!, accessKeyId: env.R2_ACCESS_KEY_ID!, secretAccessKey: env.R2_SECRET_ACCESS_KEY! };
}

/** The whole stored object. */
export async function readStoredObject(storage: StorageSettings, key: string): Promise<Buffer> {
  const client = createS3Client(storage);
  try {
    const { Body } = await client.send(new GetObjectCommand({ Bucket: storage.bucket, Key: key }));
    const chunks: Buffer[] = [];
    for await (const chunk of Body as Readable) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    client.destroy();
  }
}

/**
 * What the embedded S3 server holds, read from its folder (`<state dir>/s3/<bucket>`): the keys
 * of the objects under `prefix` (s3rver keeps each as `<key>._S3rver_object`) and the ids of
 * unfinished multipart uploads (`._S3rver_uploads/<uploadId>/`). The folder, because s3rver
 * answers no ListMultipartUploads (NotImplemented), and one reading tells both.
 */
export async function storedInFolder(stateDir: string, bucket: string, prefix: string): Promise<{ keys: string[]; unfinishedUploads: string[] }> {
  const root = path.join(stateDir, "s3", bucket);
  const keys: string[] = [];
  const unfinishedUploads = new Set<string>();
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    const upload = /^\._S3rver_uploads\/([^/]+)\//.exec(relative);
    if (upload) unfinishedUploads.add(upload[1]!);
    else if (relative.startsWith(prefix) && relative.endsWith("._S3rver_object")) keys.push(relative.slice(0, -"._S3rver_object".length));
  }
  return { keys: keys.sort(), unfinishedUploads: [...unfinishedUploads] };
}

type TimelineEvent = { from: JobStatus | null; to: JobStatus; at: number };

/** What is wrong with a timeline as a walk of the state machine from CREATED; empty when nothing is. */
export function timelineFaults(events: readonly TimelineEvent[]): string[] {
  const faults: string[] = [];
  events.forEach((event, index) => {
    const previous = events[index - 1];
    if (previous === undefined) {
      if (event.from !== null || event.to !== "CREATED") faults.push(`starts ${event.from ?? "null"} → ${event.to}, not null → CREATED`);
      return;
    }
    if (event.from !== previous.to) faults.push(`#${index} leaves ${event.from ?? "null"}, but the job was ${previous.to}`);
    else if (!canTransition(event.from, event.to)) faults.push(`#${index} ${event.from} → ${event.to} is no transition of the state machine`);
    if (event.at < previous.at) faults.push(`#${index} is dated before #${index - 1}`);
  });
  return faults;
}

/**
 * A fault for the drill (`DRILL_FAULT=drop-journal-tail`): what a backend that answered before
 * its journal reached the disk would lose in a power cut, i.e. the last commit that wrote a
 * document of `table`, and every record after it. Returns how many records were cut off.
 * (convex-test's document ids are the id counter's digits followed by the table's name.)
 */
export async function dropJournalFrom(dataDir: string, table: string): Promise<number> {
  const journal = path.join(dataDir, "journal");
  const { records } = scanRecords(await readFile(journal));
  const index = records.findLastIndex((record) => new RegExp(`"\\d+${table}"`).test(JSON.stringify(record.payload)));
  if (index < 0) throw new Error(`No journal record writes ${table}`);
  await truncate(journal, records[index]!.offset);
  return records.length - index;
}
