// @vitest-environment node
/**
 * The offline backend keeps what it committed in its data folder: a write survives a SIGKILL
 * of the process, a guest's session survives a restart (on the project's real `convex/`), a
 * scheduled function due while the backend was down runs after the restart, a journal whose
 * last record is torn or corrupt starts with every earlier commit (and says what it dropped),
 * and `--fresh` starts empty.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { anyApi } from "convex/server";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { WebSocket } from "ws";
import { generateConvexAuthKeys } from "../../dev/convexAuthKeys";
import { scanRecords } from "../journal";
import type { Logger } from "../log";
import { INTERRUPTED_ACTION_ERROR } from "../scheduledRecovery";
import { startOfflineBackend, type OfflineBackend } from "../server";
import { childBackendConfig, startChildBackend, type ChildBackend } from "./childBackend";
import { FIXTURE_FUNCTIONS_DIR } from "./harness";

const PROJECT_FUNCTIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../convex");
const messages = anyApi.messages!;

type Message = { _id: string; _creationTime: number; channel: string; body: string };
type ScheduledJob = { name: string; kind: string; error?: string; scheduledTime: number };

const folders: string[] = [];
const running: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((backend) => backend.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "convex-offline-durability-"));
  folders.push(folder);
  return folder;
}

function client(backend: { convexUrl: string }): ConvexHttpClient {
  return new ConvexHttpClient(backend.convexUrl, { logger: false });
}

async function child(config: Awaited<ReturnType<typeof childBackendConfig>>): Promise<ChildBackend> {
  const backend = await startChildBackend(config);
  running.push({ stop: () => backend.kill("SIGKILL") });
  return backend;
}

async function fixtureChildConfig(functionsDir = FIXTURE_FUNCTIONS_DIR) {
  const folder = tempFolder();
  return await childBackendConfig(
    functionsDir,
    path.join(folder, "convex-data"),
    await generateConvexAuthKeys(),
    path.join(folder, "convex-env.json"),
  );
}

/** The backend in this process, with its log lines kept. */
async function inProcess(dataDir: string, options: { fresh?: boolean } = {}): Promise<OfflineBackend & { logged: string[] }> {
  const logged: string[] = [];
  const log: Logger = { info: (line) => logged.push(line), warn: (line) => logged.push(line), error: (line) => logged.push(line) };
  const backend = await startOfflineBackend({
    functionsDir: FIXTURE_FUNCTIONS_DIR,
    port: 0,
    sitePort: 0,
    env: { ...(await generateConvexAuthKeys()), SITE_URL: "http://127.0.0.1:3000" },
    dataDir,
    ...options,
    log,
  });
  running.push(backend);
  return Object.assign(backend, { logged });
}

/** The first value `read` resolves to that `accept` takes; rejects after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopInProcess(backend: OfflineBackend): Promise<void> {
  running.splice(running.indexOf(backend), 1);
  await backend.stop();
}

// Each test starts main.ts twice (bundling convex/ for the guest); a few seconds on a quiet
// machine, the bound leaves room for a loaded one.
describe("a crash of the backend process", { timeout: 90_000 }, () => {
  it("loses nothing a mutation committed: ids and creation times come back as they were", async () => {
    const config = await fixtureChildConfig();
    const first = await child(config);
    const ids: string[] = [];
    for (const body of ["one", "two", "three"]) ids.push((await client(first).mutation(messages.send!, { channel: "crash", body })) as string);
    const before = (await client(first).query(messages.list!, { channel: "crash" })) as Message[];
    // The answer came back, so the commit is on disk; the process gets no chance to flush anything.
    await first.kill("SIGKILL");

    const second = await child(config);
    const after = (await client(second).query(messages.list!, { channel: "crash" })) as Message[];
    expect(after).toEqual(before);
    expect(after.map((message) => message._id)).toEqual(ids);
    // New documents get new ids, not reused ones.
    const next = (await client(second).mutation(messages.send!, { channel: "crash", body: "four" })) as string;
    expect(ids).not.toContain(next);
    expect(second.output()).toMatch(/Data is kept in .*convex-data/);
    expect(second.output()).not.toMatch(/memory only/);
  });

  it("lets a subscribed client pick up where it was once it reconnects", async () => {
    const config = await fixtureChildConfig();
    const first = await child(config);
    await client(first).mutation(messages.send!, { channel: "live", body: "before the crash" });
    const subscriber = new ConvexClient(first.convexUrl, {
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
      logger: false,
      unsavedChangesWarning: false,
    });
    const seen: string[][] = [];
    subscriber.onUpdate(messages.list!, { channel: "live" }, (list: Message[]) => seen.push(list.map((message) => message.body)));
    try {
      await eventually(async () => seen.at(-1), (last) => last?.length === 1);
      await first.kill("SIGKILL");

      const second = await child(config);
      await client(second).mutation(messages.send!, { channel: "live", body: "after the restart" });
      await eventually(async () => seen.at(-1), (last) => last?.length === 2, 10_000);
      expect(seen.at(-1)).toEqual(["before the crash", "after the restart"]);
      // Never a result older than one already seen (an empty list, or the write undone).
      expect(seen.every((bodies) => bodies[0] === "before the crash")).toBe(true);
    } finally {
      await subscriber.close();
    }
  });

  it("keeps a guest signed in (the project's convex/, Convex Auth's sessions and refresh tokens)", async () => {
    const config = await fixtureChildConfig(PROJECT_FUNCTIONS_DIR);
    const first = await child(config);
    const signedIn = (await client(first).action(anyApi.auth!.signIn!, { provider: "anonymous" })) as {
      tokens: { token: string; refreshToken: string } | null;
    };
    const { token, refreshToken } = signedIn.tokens!;
    const guest = client(first);
    guest.setAuth(token);
    expect(await guest.query(anyApi.auth!.isAuthenticated!, {})).toBe(true);
    await first.kill("SIGKILL");

    const second = await child(config);
    const sameGuest = client(second);
    sameGuest.setAuth(token);
    expect(await sameGuest.query(anyApi.auth!.isAuthenticated!, {})).toBe(true);
    // The refresh token is only good while its session and the user exist in the database.
    const refreshed = (await client(second).action(anyApi.auth!.signIn!, { refreshToken })) as {
      tokens: { token: string } | null;
    };
    expect(refreshed.tokens?.token).toEqual(expect.any(String));
  });

  it("runs a scheduled function that fell due while the backend was down, once", async () => {
    const config = await fixtureChildConfig();
    const first = await child(config);
    await client(first).mutation(messages.sendLater!, { channel: "later", body: "due in the downtime", delayMs: 400 });
    await first.kill("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 500));

    const second = await child(config);
    const delivered = await eventually(
      async () => (await client(second).query(messages.list!, { channel: "later" })) as Message[],
      (list) => list.length > 0,
    );
    // Time for a second run, were there one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(delivered.map((message) => message.body)).toEqual(["due in the downtime"]);
    expect((await client(second).query(messages.count!, { channel: "later" })) as number).toBe(1);
    const jobs = (await client(second).query(messages.scheduledJobs!, {})) as ScheduledJob[];
    expect(jobs.filter((job) => job.name.endsWith("insertInternal")).map((job) => job.kind)).toEqual(["success"]);
  });

  it("marks a scheduled action that was running failed instead of running it again", async () => {
    const config = await fixtureChildConfig();
    const first = await child(config);
    await client(first).mutation(messages.scheduleSlowAction!, { ms: 60_000 });
    await eventually(
      async () => (await client(first).query(messages.scheduledJobs!, {})) as ScheduledJob[],
      (jobs) => jobs.some((job) => job.kind === "inProgress"),
    );
    await first.kill("SIGKILL");

    const second = await child(config);
    const jobs = (await client(second).query(messages.scheduledJobs!, {})) as ScheduledJob[];
    expect(jobs.map((job) => [job.name, job.kind, job.error])).toEqual([["limits:slowAction", "failed", INTERRUPTED_ACTION_ERROR]]);
    expect(second.output()).toContain("was running when the backend stopped: marked failed");
  });
});

describe("a commit", { timeout: 20_000 }, () => {
  it("is answered only once its journal record is fsync'd", async () => {
    const dataDir = path.join(tempFolder(), "convex-data");
    const backend = await inProcess(dataDir);
    const probe = await open(path.join(dataDir, "probe"), "w");
    const fileHandle = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const datasync = fileHandle.datasync;
    const SLOW_SYNC_MS = 300;
    let synced = "";
    fileHandle.datasync = async function (this: FileHandle) {
      await new Promise((resolve) => setTimeout(resolve, SLOW_SYNC_MS));
      await datasync.call(this);
      synced = readFileSync(path.join(dataDir, "journal"), "utf8");
    };
    try {
      const started = Date.now();
      await client(backend).mutation(messages.send!, { channel: "sync", body: "on disk before the answer" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_SYNC_MS);
      expect(synced).toContain("on disk before the answer");
    } finally {
      fileHandle.datasync = datasync;
    }
  });
});

describe("a damaged journal", { timeout: 20_000 }, () => {
  /** Three commits, the backend stopped, and the journal cut right after the third one. */
  async function threeCommits(): Promise<{ dataDir: string; journal: string; third: { offset: number; end: number } }> {
    const dataDir = path.join(tempFolder(), "convex-data");
    const backend = await inProcess(dataDir);
    for (const body of ["first", "second", "third"]) await client(backend).mutation(messages.send!, { channel: "journal", body });
    await stopInProcess(backend);
    const journal = path.join(dataDir, "journal");
    const { records } = scanRecords(readFileSync(journal));
    const third = records.find((record) => JSON.stringify(record.payload).includes('"body":"third"'));
    if (!third) throw new Error("the third commit is not in the journal");
    // As if the process had died right after writing it.
    truncateSync(journal, third.end);
    return { dataDir, journal, third };
  }

  async function bodiesAfterRestart(dataDir: string): Promise<{ bodies: string[]; logged: string[] }> {
    const backend = await inProcess(dataDir);
    const list = (await client(backend).query(messages.list!, { channel: "journal" })) as Message[];
    return { bodies: list.map((message) => message.body), logged: backend.logged };
  }

  it("cut inside its last record: starts with every earlier commit and logs the dropped tail", async () => {
    const { dataDir, journal, third } = await threeCommits();
    truncateSync(journal, third.end - 5);
    const { bodies, logged } = await bodiesAfterRestart(dataDir);
    expect(bodies).toEqual(["first", "second"]);
    const line = logged.find((entry) => entry.includes("dropped the last"));
    expect(line).toContain(`a record cut short`);
    expect(line).toContain(`at byte ${third.offset}`);
    expect(readdirSync(dataDir).some((file) => file.startsWith("journal.dropped-"))).toBe(true);
  });

  it("with a flipped byte in its last record: starts with every earlier commit and logs the dropped tail", async () => {
    const { dataDir, journal, third } = await threeCommits();
    const bytes = readFileSync(journal);
    const inPayload = third.offset + 8 + Math.floor((third.end - third.offset - 8) / 2);
    bytes[inPayload]! ^= 0x01;
    writeFileSync(journal, bytes);
    const { bodies, logged } = await bodiesAfterRestart(dataDir);
    expect(bodies).toEqual(["first", "second"]);
    const line = logged.find((entry) => entry.includes("dropped the last"));
    expect(line).toContain("a record whose checksum does not match");
    expect(line).toContain(`dropped the last ${third.end - third.offset} bytes`);
  });

  it("keeps writing after the cut: a commit made after the restart survives the next one", async () => {
    const { dataDir, journal, third } = await threeCommits();
    truncateSync(journal, third.end - 3);
    const restarted = await inProcess(dataDir);
    await client(restarted).mutation(messages.send!, { channel: "journal", body: "after the cut" });
    await stopInProcess(restarted);
    const { bodies, logged } = await bodiesAfterRestart(dataDir);
    expect(bodies).toEqual(["first", "second", "after the cut"]);
    expect(logged.some((entry) => entry.includes("dropped the last"))).toBe(false);
  });
});

describe("--fresh", { timeout: 20_000 }, () => {
  it("starts empty and moves the previous data aside, saying so", async () => {
    const dataDir = path.join(tempFolder(), "convex-data");
    const first = await inProcess(dataDir);
    await client(first).mutation(messages.send!, { channel: "fresh", body: "old" });
    await stopInProcess(first);

    const fresh = await inProcess(dataDir, { fresh: true });
    expect(await client(fresh).query(messages.list!, { channel: "fresh" })).toEqual([]);
    expect(fresh.logged.join("\n")).toContain(`the previous data is in ${dataDir}.previous`);
    await client(fresh).mutation(messages.send!, { channel: "fresh", body: "new" });
    await stopInProcess(fresh);

    const again = await inProcess(dataDir);
    const bodies = ((await client(again).query(messages.list!, { channel: "fresh" })) as Message[]).map((message) => message.body);
    expect(bodies).toEqual(["new"]);
    await stopInProcess(again);
    const aside = await inProcess(`${dataDir}.previous`);
    const old = ((await client(aside).query(messages.list!, { channel: "fresh" })) as Message[]).map((message) => message.body);
    expect(old).toEqual(["old"]);
  });
});
