// @vitest-environment node
/**
 * Bad-input drill: every public Convex function and every worker HTTP route is called with a
 * few hundred generated malformed or hostile inputs (seeded, so a failure replays), as a
 * signed-in user who owns one job while a second user owns another. Many inputs keep the
 * argument shape and carry hostile values (1 MiB strings, negative, NaN and huge numbers, ids
 * of other tables and of the other user's job, unicode tricks), so they reach the handler.
 *
 * A refusal counts only when it is the function's argument validation (the call never reached
 * the handler: `testing/handlerEntries.testing.ts` counts handler entries) or a `ConvexError`
 * with a known code; anything else a handler throws — a schema "Validator error" from its own
 * write included — is a fault. A failed call must leave every table and the storage (objects,
 * multipart uploads, parts in the embedded S3 server) as they were. How many inputs reached
 * each handler is asserted: exactly those that pass the function's validator (checked here
 * independently), and at least a quarter of each function's inputs.
 *
 * The worker routes are fuzzed twice: with hostile requests and secrets, and behind a valid
 * secret and a live claim token with hostile values in every field, where the requests that
 * pass the route's own schema must reach the internal function and anything but 200/400/409 is
 * a fault.
 *
 * `DRILL_FAULT=handler-validator` makes `jobs.cancel` write a document the schema refuses once
 * it is reached (the drill must call that a fault); `DRILL_FAULT=storage` puts an object into the
 * bucket during a refused call (the drill must see storage change).
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { anyApi, type FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { APP_ERROR_CODES } from "./lib/appErrors";
import { RIGHTS_STATEMENT } from "./lib/rightsStatement";
import { MiB } from "./lib/partPlan";
import { WORKER_ROUTES } from "./lib/workerProtocol";
import { ARTIFACT_KINDS } from "./lib/artifactKinds";
import schema from "./schema";
import { modules } from "./test.setup";
import { signInAsNewUser, type ConvexTestHarness } from "./testing/convexTest.testing";
import { handlerEntries, newCountingConvexTest } from "./testing/handlerEntries.testing";
import { listStorage } from "./testing/storageListing.testing";
import * as protocol from "./lib/workerProtocol";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "./model/s3Client";
import { insertUploadedJob } from "./testing/jobFixtures.testing";
import { insertJobAwaitingUpload, startTestStorage, useStorage } from "./testing/uploadFixtures.testing";
import type { EmbeddedS3 } from "../scripts/s3/embeddedS3";

const SEED = 0x5eed_d011;
const INPUTS_PER_FUNCTION = 60;
const INPUTS_PER_ROUTE = 80;
const INPUTS_PER_CLAIMED_ROUTE = 30;
/** Of each function's inputs (or each claimed route's), at least this share must reach the handler. */
const MIN_REACHED_SHARE = 0.25;
// eslint-disable-next-line @convex-dev/no-process-env -- the test runner's switch for an injected fault, not a function setting
const DRILL_FAULT = process.env.DRILL_FAULT ?? "";
const WORKER_SECRET = "worker-secret-for-the-drill-0123456789";
const OTHER_TITLE = "Other user's private title 7f3a";
const OTHER_FILE_NAME = "other-users-private-file-7f3a.mp4";
const FILE_SIZE = 16 * MiB + 100;
const APP_CODES: ReadonlySet<string> = new Set(APP_ERROR_CODES);
/** Convex Auth's own functions: its library's surface, not ours. */
const SKIPPED_MODULES = new Set(["auth"]);

/** mulberry32: small, fast and good enough to pick inputs reproducibly. */
function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}
type Random = ReturnType<typeof seededRandom>;

// ---------------------------------------------------------------------------------------------
// The world: two users, each with a job in UPLOADING and an artifact; the other user's job has a
// recognisable title and file name, so any leak shows.

type World = {
  t: ConvexTestHarness;
  owner: ReturnType<ConvexTestHarness["withIdentity"]>;
  ownerId: Id<"users">;
  ownJobId: Id<"video_jobs">;
  ownArtifactId: Id<"video_artifacts">;
  otherJobId: Id<"video_jobs">;
  otherArtifactId: Id<"video_artifacts">;
  otherUserId: Id<"users">;
  /** Ids of other tables, an id of a deleted job, and near-miss strings. */
  foreignIds: string[];
  /** The table of every real id above (the others are no id at all). */
  idTables: Map<string, string>;
};

async function insertArtifact(t: ConvexTestHarness, jobId: Id<"video_jobs">) {
  return await t.run((ctx) =>
    ctx.db.insert("video_artifacts", {
      jobId,
      kind: "poster",
      index: 0,
      r2Key: `artifacts/${jobId}/poster/0.jpg`,
      contentType: "image/jpeg",
      bytes: 1234,
      createdAt: Date.now(),
    }),
  );
}

async function startUpload(t: ConvexTestHarness, userId: Id<"users">, fileName: string) {
  const as = t.withIdentity({ subject: `${userId}|session-${userId}`, issuer: "http://test" });
  const jobId = await insertJobAwaitingUpload(t, userId);
  await as.action(api.uploads.prepareUpload, {
    jobId,
    file: { name: fileName, size: FILE_SIZE, type: "video/mp4", lastModified: 0 },
  });
  return jobId;
}

async function buildWorld(): Promise<World> {
  const t = newCountingConvexTest();
  const { userId: ownerId, as: owner } = await signInAsNewUser(t);
  const { userId: otherUserId } = await signInAsNewUser(t);
  const ownJobId = await startUpload(t, ownerId, "mine.mp4");
  const otherJobId = await startUpload(t, otherUserId, OTHER_FILE_NAME);
  await t.run(async (ctx) => {
    const other = (await ctx.db.get("video_jobs", otherJobId))!;
    await ctx.db.patch("video_jobs", otherJobId, { sourceMeta: { ...other.sourceMeta!, title: OTHER_TITLE } });
  });
  const ownArtifactId = await insertArtifact(t, ownJobId);
  const otherArtifactId = await insertArtifact(t, otherJobId);
  const deletedJobId = await insertJobAwaitingUpload(t, ownerId);
  const { eventId, partId } = await t.run(async (ctx) => {
    for (const event of await ctx.db.query("job_events").collect()) {
      if (event.jobId === deletedJobId) await ctx.db.delete("job_events", event._id);
    }
    await ctx.db.delete("video_jobs", deletedJobId);
    const event = (await ctx.db.query("job_events").first())!;
    const part = await ctx.db.insert("upload_parts", {
      jobId: otherJobId,
      partNumber: 1,
      etag: '"0123456789abcdef0123456789abcdef"',
      size: 8 * MiB,
      reportedAt: Date.now(),
    });
    return { eventId: event._id, partId: part };
  });
  const foreignIds = [
    otherJobId,
    otherArtifactId,
    otherUserId,
    ownerId,
    ownArtifactId,
    deletedJobId,
    eventId,
    partId,
    `${ownJobId}x`,
    ownJobId.slice(0, -1),
    ownJobId.toUpperCase(),
    ` ${ownJobId}`,
    `${otherJobId}\u0000`,
    "video_jobs",
    "0",
    "null",
    "undefined",
  ];
  const idTables = new Map<string, string>([
    [ownJobId, "video_jobs"],
    [otherJobId, "video_jobs"],
    [deletedJobId, "video_jobs"],
    [ownArtifactId, "video_artifacts"],
    [otherArtifactId, "video_artifacts"],
    [ownerId, "users"],
    [otherUserId, "users"],
    [eventId, "job_events"],
    [partId, "upload_parts"],
  ]);
  return { t, owner, ownerId, ownJobId, ownArtifactId, otherJobId, otherArtifactId, otherUserId, foreignIds, idTables };
}

/**
 * Every document of every table (the schema's, Convex Auth's and the scheduler's), in order,
 * and everything the embedded S3 server holds: objects, multipart uploads and their parts.
 */
async function snapshot(t: ConvexTestHarness): Promise<string> {
  const tables = await t.run(async (ctx) => {
    const tables: Record<string, unknown[]> = {};
    for (const table of Object.keys(schema.tables)) {
      tables[table] = await ctx.db.query(table as never).collect();
    }
    tables._scheduled_functions = await ctx.db.system.query("_scheduled_functions").collect();
    return JSON.stringify(tables);
  });
  return `${tables}\n${JSON.stringify(await listStorage(s3))}`;
}

// ---------------------------------------------------------------------------------------------
// Hostile values.

const ONE_MB = 1024 * 1024;
const HUGE_ASCII = "a".repeat(ONE_MB);
const HUGE_UNICODE = "\u{1F4A9}".repeat(ONE_MB / 4);

const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "\u0000\u0001\u001f\u007f",
  "\r\n\r\nHTTP/1.1 200 OK",
  "\u202etxt.exe",
  "\uFEFF\u200B\u200D",
  "\uD800",
  "\u{1F4A9}\u{1F468}\u200D\u{1F469}",
  "ÿouTube.com",
  "../../../etc/passwd",
  "sources/../artifacts/x",
  "<script>alert(1)</script>",
  "'; DROP TABLE video_jobs; --",
  "${jndi:ldap://127.0.0.1/a}",
  "__proto__",
  "constructor",
  "prototype",
  "https://youtube.com.evil.com/watch?v=dQw4w9WgXcQ",
  "https://user@evil.com@youtube.com/watch?v=dQw4w9WgXcQ",
  "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
  "https://www.youtube.com/watch?v=dQw4w9WgXc",
  "https://www.yоutube.com/watch?v=dQw4w9WgXcQ",
  "%00%2e%2e%2f",
  "NaN",
  "-1",
  "1e309",
  "x".repeat(10_000),
];
const HOSTILE_NUMBERS = [
  -1,
  -0,
  0,
  0.5,
  1.5,
  -1e308,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  2 ** 31,
  -(2 ** 31),
  10_001,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.EPSILON,
  5e-324,
];

function protoPollution(): Record<string, unknown> {
  return JSON.parse('{"__proto__":{"isAdmin":true,"ownerId":"x"},"constructor":{"prototype":{"polluted":1}}}');
}

function deepNesting(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

/** A value of the validator's own type (so it passes validation and reaches the handler), or none. */
function wellTypedHostileValue(random: Random, validator: ValidatorJson, world: World): unknown {
  switch (validator.type) {
    case "string":
      return random.next() < 0.1 ? HUGE_ASCII : random.pick([...HOSTILE_STRINGS, ...world.foreignIds]);
    case "number":
      return random.pick(HOSTILE_NUMBERS);
    case "id":
      return random.pick(world.foreignIds.slice(0, 6));
    case "union":
      return wellTypedHostileValue(random, random.pick(validator.value), world);
    default:
      return anyHostileValue(random, world);
  }
}

function anyHostileValue(random: Random, world: World): unknown {
  switch (Math.floor(random.next() * 12)) {
    case 0:
      return random.pick(HOSTILE_STRINGS);
    case 1:
      return random.pick(HOSTILE_NUMBERS);
    case 2:
      return random.pick([null, true, false, 123n, -1n]);
    case 3:
      return random.pick([[], [null], [1, "two", { three: 3 }], Array.from({ length: 10_001 }, (_, i) => i)]);
    case 4:
      return random.pick([{}, { a: 1 }, protoPollution(), deepNesting(40)]);
    case 5:
      return random.pick(world.foreignIds);
    case 6:
      return random.next() < 0.5 ? HUGE_ASCII : HUGE_UNICODE;
    case 7:
      return new ArrayBuffer(random.pick([0, 16, 1024]));
    case 8:
      return { $id: world.otherJobId };
    case 9:
      return { _id: world.otherJobId, ownerId: world.ownerId };
    case 10:
      return random.pick([world.otherJobId, world.otherArtifactId, world.otherUserId]);
    default:
      return random.pick(HOSTILE_NUMBERS);
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments from a function's exported validator: a well-formed baseline for the owner, then
// one to three hostile edits (replace a value, drop a required field, add a field).

type ValidatorJson =
  | { type: "object"; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> }
  | { type: "array"; value: ValidatorJson }
  | { type: "union"; value: ValidatorJson[] }
  | { type: "id"; tableName: string }
  | { type: "literal"; value: unknown }
  | { type: "string" | "number" | "boolean" | "null" | "any" | "bigint" | "bytes" | "record" };

function baselineString(field: string): string {
  const byField: Record<string, string> = {
    url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    statementVersion: RIGHTS_STATEMENT.version,
    etag: '"0123456789abcdef0123456789abcdef"',
    name: "mine.mp4",
    type: "video/mp4",
    checksumCrc32c: "AAAAAA==",
    firstPartCrc32c: "AAAAAA==",
    workerSecret: WORKER_SECRET,
  };
  return byField[field] ?? "x";
}

function baselineValue(validator: ValidatorJson, field: string, world: World): unknown {
  switch (validator.type) {
    case "object": {
      const value: Record<string, unknown> = {};
      for (const [name, { fieldType, optional }] of Object.entries(validator.value)) {
        if (!optional) value[name] = baselineValue(fieldType, name, world);
      }
      return value;
    }
    case "array":
      return [baselineValue(validator.value, field, world)];
    case "union":
      return baselineValue(validator.value[0]!, field, world);
    case "id":
      return validator.tableName === "video_artifacts" ? world.ownArtifactId : world.ownJobId;
    case "literal":
      return validator.value;
    case "string":
      return baselineString(field);
    case "number":
      return field === "size" ? FILE_SIZE : field === "numItems" ? 10 : field === "partNumber" ? 1 : 0;
    case "boolean":
      return false;
    default:
      return null;
  }
}

type Slot = {
  container: Record<string, unknown> | unknown[];
  key: string | number;
  required: boolean;
  validator: ValidatorJson;
};

/** Every place in `value` a hostile edit can land, with whether the validator requires it. */
function slotsOf(value: unknown, validator: ValidatorJson, slots: Slot[] = []): Slot[] {
  if (validator.type === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const [name, { fieldType, optional }] of Object.entries(validator.value)) {
      slots.push({ container: record, key: name, required: !optional, validator: fieldType });
      if (name in record) slotsOf(record[name], fieldType, slots);
    }
  } else if (validator.type === "array" && Array.isArray(value)) {
    value.forEach((item, index) => {
      slots.push({ container: value, key: index, required: true, validator: validator.value });
      slotsOf(item, validator.value, slots);
    });
  }
  return slots;
}

function objectsOf(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) value.forEach((item) => objectsOf(item, found));
  else if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    found.push(value as Record<string, unknown>);
    Object.values(value).forEach((item) => objectsOf(item, found));
  }
  return found;
}

// Not `__proto__`/`constructor` as extra argument fields: convex-test 0.0.60 looks unknown
// fields up on a plain object (`validator.value[k]`), so inherited names pass its validator,
// where the Convex backend refuses them. Prototype-pollution objects still arrive as values.
const EXTRA_KEYS = ["extra", "ownerId", "userId", "status", "isAdmin", "_id", "claimToken", "r2Key"];

/**
 * A hostile value that keeps the validator's shape, so the call passes argument validation and
 * reaches the handler: hostile strings and numbers, ids of the right table that are not the
 * caller's (the other user's, a deleted job's), objects and arrays filled the same way.
 */
function shapedHostileValue(random: Random, validator: ValidatorJson, field: string, world: World): unknown {
  switch (validator.type) {
    case "string":
      return random.next() < 0.1 ? (random.next() < 0.5 ? HUGE_ASCII : HUGE_UNICODE) : random.pick([...HOSTILE_STRINGS, ...world.foreignIds]);
    case "number":
      return random.pick(HOSTILE_NUMBERS);
    case "boolean":
      return random.next() < 0.5;
    case "id":
      // Not the caller's own job or artifact: a call with those is no hostile call.
      return random.pick(
        [...world.idTables]
          .filter(([id, table]) => table === validator.tableName && id !== world.ownJobId && id !== world.ownArtifactId)
          .map(([id]) => id),
      );
    case "union":
      return shapedHostileValue(random, random.pick(validator.value), field, world);
    case "object": {
      const value: Record<string, unknown> = {};
      for (const [name, { fieldType, optional }] of Object.entries(validator.value)) {
        if (!optional || random.next() < 0.5) value[name] = random.next() < 0.5 ? shapedHostileValue(random, fieldType, name, world) : baselineValue(fieldType, name, world);
      }
      return value;
    }
    case "array":
      return Array.from({ length: random.pick([0, 1, 2, 3]) }, () => shapedHostileValue(random, validator.value, field, world));
    default:
      return baselineValue(validator, field, world);
  }
}

/** Inputs that kept the arguments' shape: a mutation or action may accept one (say, a plausible ETag for the caller's own part). */
const shapedInputs = new WeakSet<object>();

function hostileArgs(random: Random, validator: ValidatorJson, world: World): Record<string, unknown> {
  // Half the inputs keep the arguments' shape and carry hostile values: they reach the handler.
  if (random.next() < 0.5) {
    const args = baselineValue(validator, "", world) as Record<string, unknown>;
    const slots = slotsOf(args, validator).filter((slot) => slot.validator.type !== "literal");
    for (let edits = 1 + Math.floor(random.next() * 3), i = 0; i < edits && slots.length > 0; i++) {
      const slot = random.pick(slots);
      (slot.container as Record<string | number, unknown>)[slot.key] = shapedHostileValue(random, slot.validator, String(slot.key), world);
    }
    shapedInputs.add(args);
    return args;
  }
  const args = baselineValue(validator, "", world) as Record<string, unknown>;
  const edits = 1 + Math.floor(random.next() * 3);
  for (let i = 0; i < edits; i++) {
    const slots = slotsOf(args, validator);
    const choice = random.next();
    if (choice < 0.15 || slots.length === 0) {
      const target = random.pick(objectsOf(args));
      Object.defineProperty(target, random.pick(EXTRA_KEYS), {
        value: anyHostileValue(random, world),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    } else if (choice < 0.25 && slots.some((slot) => slot.required)) {
      const slot = random.pick(slots.filter((s) => s.required));
      if (Array.isArray(slot.container)) slot.container.splice(Number(slot.key), 1);
      else delete slot.container[slot.key];
    } else {
      const slot = random.pick(slots);
      const container = slot.container as Record<string | number, unknown>;
      // A replacement equal to the well-formed value (say, the owner's own artifact id) is no edit.
      const hostile = () =>
        random.next() < 0.5 ? wellTypedHostileValue(random, slot.validator, world) : anyHostileValue(random, world);
      let value = hostile();
      const wellFormed = baselineValue(slot.validator, String(slot.key), world);
      for (let tries = 0; (value === container[slot.key] || value === wellFormed) && tries < 10; tries++) {
        value = hostile();
      }
      container[slot.key] = value;
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Judging one answer.

type Outcome =
  | { kind: "validation" }
  | { kind: "app_error"; code: string }
  | { kind: "answered"; value: unknown }
  | { kind: "fault"; reason: string };

/**
 * `entered`: whether the call reached the function's handler. Before the handler only argument
 * validation can refuse; once it ran, only a `ConvexError` with a known code is a refusal.
 */
function judgeError(error: unknown, entered: boolean): Outcome {
  if (error instanceof ConvexError) {
    const code = (error.data as { code?: unknown } | undefined)?.code;
    return typeof code === "string" && APP_CODES.has(code)
      ? { kind: "app_error", code }
      : { kind: "fault", reason: `ConvexError without a known code: ${JSON.stringify(error.data)}` };
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (entered) return { kind: "fault", reason: `the handler threw ${text.slice(0, 300)}` };
  if (error instanceof Error && /^Validator error: /.test(error.message)) return { kind: "validation" };
  // The Convex value encoding refuses `$`-prefixed field names before a request is sent.
  if (error instanceof Error && /^Field name \S+ starts with a '\$', which is reserved/.test(error.message)) {
    return { kind: "validation" };
  }
  // convex-test 0.0.60 checks `Object.getPrototypeOf(value)` of a null where an object is
  // expected and throws this TypeError from its argument validation; the Convex backend reports
  // a validation error.
  if (
    error instanceof TypeError &&
    error.message === "Cannot convert undefined or null to object" &&
    /\bvalidateFunctionArgs\b.*convex-test/s.test(error.stack ?? "")
  ) {
    return { kind: "validation" };
  }
  return { kind: "fault", reason: `unexpected exception before the handler: ${text.slice(0, 300)}` };
}

/**
 * Whether `value` passes `validator` as Convex's argument validation decides it, written here
 * independently of convex-test: ids are strings naming a document of that table (`idTables`),
 * objects are plain, with every required field, no other field and no `$`-prefixed name.
 */
function passesValidator(validator: ValidatorJson, value: unknown, idTables: Map<string, string>): boolean {
  switch (validator.type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "bigint":
      return typeof value === "bigint";
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "bytes":
      return value instanceof ArrayBuffer;
    case "literal":
      return value === validator.value;
    case "id":
      return typeof value === "string" && idTables.get(value) === validator.tableName;
    case "array":
      return Array.isArray(value) && value.every((item) => passesValidator(validator.value, item, idTables));
    case "union":
      return validator.value.some((member) => passesValidator(member, value, idTables));
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof ArrayBuffer) return false;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      for (const [name, { fieldType, optional }] of Object.entries(validator.value)) {
        if (record[name] === undefined) {
          if (!optional) return false;
        } else if (!passesValidator(fieldType, record[name], idTables)) return false;
      }
      return Object.keys(record).every((name) => Object.hasOwn(validator.value, name) && !name.startsWith("$"));
    }
    default:
      throw new Error(`the drill cannot judge a ${validator.type} validator`);
  }
}

function describeArgs(args: unknown): string {
  const text = JSON.stringify(args, (_key, value: unknown) =>
    typeof value === "bigint"
      ? `${value}n`
      : typeof value === "string" && value.length > 60
        ? `<${value.length} chars>`
        : Array.isArray(value) && value.length > 20
          ? `<array of ${value.length}>`
          : value instanceof ArrayBuffer
            ? `<ArrayBuffer ${value.byteLength}>`
            : value,
  );
  return (text ?? "undefined").slice(0, 400);
}

function safeStringify(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? String(item) : item)) ?? "";
}

/** Whether `text` shows the other user's job: its title, file name, or id (unless we sent the id). */
function leaksOtherUser(text: string, world: World, sent: string): boolean {
  if (text.includes(OTHER_TITLE) || text.includes(OTHER_FILE_NAME)) return true;
  return text.includes(world.otherJobId) && !sent.includes(world.otherJobId);
}

type DrillTally = {
  inputs: number;
  /** Inputs that reached the handler (counted in the handler), and those that should have (by the validator). */
  reached: number;
  valid: number;
  faults: string[];
  /** Refused inputs after which a table or the storage had changed. */
  changed: number;
  outcomes: Record<string, number>;
};
const newTally = (): DrillTally => ({ inputs: 0, reached: 0, valid: 0, faults: [], changed: 0, outcomes: {} });
const summaries: string[] = [];

function summarize(name: string, tally: DrillTally) {
  const outcomes = Object.entries(tally.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind}=${count}`)
    .join(" ");
  summaries.push(
    `drill ${name}: ${tally.inputs} inputs, ${tally.reached} reached the handler (${tally.valid} valid), ` +
      `${tally.faults.length} faults, ${tally.changed} refused inputs changed tables or storage (${outcomes})`,
  );
}

// ---------------------------------------------------------------------------------------------

type PublicFunction = {
  path: string;
  kind: "query" | "mutation" | "action";
  args: ValidatorJson;
  reference: FunctionReference<"query" | "mutation" | "action">;
};

type RegisteredFunction = {
  isPublic?: boolean;
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  exportArgs?: () => string;
};

/** The deployed public functions, found the way Convex finds them: the modules' registered exports. */
async function publicFunctions(): Promise<PublicFunction[]> {
  const found: PublicFunction[] = [];
  for (const [file, load] of Object.entries(modules)) {
    const moduleName = file.replace(/^\.\//, "").replace(/\.[jt]s$/, "");
    if (moduleName.startsWith("_generated/") || SKIPPED_MODULES.has(moduleName)) continue;
    const exports = (await load()) as Record<string, RegisteredFunction>;
    for (const [name, fn] of Object.entries(exports)) {
      if (!fn?.isPublic || typeof fn.exportArgs !== "function") continue;
      const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
      const reference = (anyApi as Record<string, Record<string, FunctionReference<typeof kind>>>)[moduleName]![name]!;
      found.push({ path: `${moduleName}.${name}`, kind, args: JSON.parse(fn.exportArgs()) as ValidatorJson, reference });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

let s3: EmbeddedS3;

/** The `handler-validator` fault: once reached, `jobs.cancel` writes a document the schema refuses. */
async function injectHandlerValidatorFault() {
  const fn = (await import("./jobs")).cancel as unknown as { _handler: (ctx: { db: { insert(table: string, doc: object): Promise<unknown> } }, args: unknown) => unknown };
  const inner = fn._handler;
  fn._handler = async (ctx, args) => {
    await ctx.db.insert("job_events", { bogus: true });
    return inner(ctx, args);
  };
}
let world: World;
let functions: PublicFunction[];

beforeAll(async () => {
  if (DRILL_FAULT === "handler-validator") await injectHandlerValidatorFault();
  s3 = await startTestStorage();
  useStorage(s3);
  vi.stubEnv("WORKER_SECRET", WORKER_SECRET);
  world = await buildWorld();
  functions = await publicFunctions();
}, 30_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
  for (const line of summaries) console.log(line);
});

async function callAs(fn: PublicFunction, anonymous: boolean, args: Record<string, unknown>) {
  const caller = anonymous ? world.t : world.owner;
  if (fn.kind === "query") return await caller.query(fn.reference as FunctionReference<"query">, args);
  if (fn.kind === "mutation") return await caller.mutation(fn.reference as FunctionReference<"mutation">, args);
  return await caller.action(fn.reference as FunctionReference<"action">, args);
}

describe("public Convex functions under hostile arguments", () => {
  test("the drill covers every public function", () => {
    expect(functions.map((fn) => fn.path)).toEqual(
      expect.arrayContaining([
        "artifacts.getDownloadUrl",
        "artifacts.listForJob",
        "jobs.cancel",
        "jobs.confirmRights",
        "jobs.createJobFromYouTubeUrl",
        "jobs.get",
        "jobs.listMine",
        "jobs.rightsStatement",
        "jobs.timeline",
        "uploads.abortUpload",
        "uploads.completeUpload",
        "uploads.getUploadPartUrls",
        "uploads.prepareUpload",
        "uploads.reportUploadedPart",
        "uploads.uploadSession",
        "workerQueue.nextClaimableAt",
      ]),
    );
  });

  // About 4 s alone on 2 cores; room for a loaded CI machine.
  test("each call fails cleanly, changes nothing and shows nothing of the other user", { timeout: 300_000 }, async () => {
    const random = seededRandom(SEED);
    const allFaults: string[] = [];
    for (const fn of functions) {
      const tally = newTally();
      for (let i = 0; i < INPUTS_PER_FUNCTION; i++) {
        const args = hostileArgs(random, fn.args, world);
        const anonymous = random.next() < 0.15;
        const sent = describeArgs(args) + safeStringify(args);
        const valid = passesValidator(fn.args, args, world.idTables);
        const before = await snapshot(world.t);
        const entriesBefore = handlerEntries(fn.path);
        let entered = false;
        const outcome: Outcome = await callAs(fn, anonymous, args).then(
          (value): Outcome => ({ kind: "answered", value }),
          (error: unknown) => judgeError(error, (entered = handlerEntries(fn.path) > entriesBefore)),
        );
        entered = handlerEntries(fn.path) > entriesBefore;
        if (DRILL_FAULT === "storage" && i === 0 && outcome.kind !== "answered") await putStrayObject();
        const changed = (await snapshot(world.t)) !== before;
        const problems: string[] = [];
        if (entered) tally.reached++;
        if (valid) tally.valid++;
        if (entered !== valid) problems.push(valid ? "valid arguments did not reach the handler" : "invalid arguments reached the handler");
        if (changed && outcome.kind !== "answered") tally.changed++;
        if (outcome.kind === "fault") problems.push(outcome.reason);
        if (outcome.kind === "answered" && fn.kind !== "query" && !shapedInputs.has(args)) problems.push("a malformed call succeeded");
        if (outcome.kind !== "answered" && changed) problems.push("a failed call changed the tables or the storage");
        if (fn.kind === "query" && changed) problems.push("a query changed the tables");
        const answer = outcome.kind === "answered" ? safeStringify(outcome.value) : JSON.stringify(outcome);
        if (leaksOtherUser(answer, world, sent)) problems.push(`the answer shows the other user's job: ${answer.slice(0, 200)}`);
        tally.inputs++;
        const label = outcome.kind === "app_error" ? outcome.code : outcome.kind;
        tally.outcomes[label] = (tally.outcomes[label] ?? 0) + 1;
        if (problems.length > 0) {
          tally.faults.push(`${fn.path}(${describeArgs(args)})${anonymous ? " anonymous" : ""}: ${problems.join("; ")}`);
          console.log(`FAULT ${tally.faults.at(-1)}`);
        }
      }
      summarize(fn.path, tally);
      allFaults.push(...tally.faults);
      reach.push({ path: fn.path, ...tally });
    }
    expect(allFaults.slice(0, 20)).toEqual([]);
    expect(reach.map((r) => r.changed)).toEqual(reach.map(() => 0));
    // The counts: every function's handler was reached by exactly the inputs its validator
    // passes, and by enough of them (hostile values inside valid shapes) to test the handler.
    for (const r of reach) {
      expect(r.inputs, r.path).toBe(INPUTS_PER_FUNCTION);
      expect(r.reached, `${r.path}: inputs that reached the handler`).toBe(r.valid);
      expect(r.reached, `${r.path}: inputs that reached the handler`).toBeGreaterThanOrEqual(Math.ceil(MIN_REACHED_SHARE * INPUTS_PER_FUNCTION));
    }
  });
});

const reach: Array<DrillTally & { path: string }> = [];

/** Waits (up to 5 s) until no scheduled function is pending or running. */
async function settleScheduled(t: ConvexTestHarness) {
  for (let i = 0; i < 250; i++) {
    const busy = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).some((f) => f.state.kind === "pending" || f.state.kind === "inProgress"),
    );
    if (!busy) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The `storage` fault: an object appears in the bucket during a refused call. */
async function putStrayObject() {
  const client = createS3Client(s3);
  try {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "sources/stray/source", Body: "stray" }));
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The worker HTTP API: hostile bodies and headers, with the secret configured.

describe("worker HTTP routes under hostile requests", () => {
  type HttpWorld = { t: ConvexTestHarness; claimedJobId: string; claimToken: string };

  /** A PROCESSING job with a live claim (whose token the drill never sends) and nothing claimable. */
  async function buildHttpWorld(): Promise<HttpWorld> {
    const t = world.t;
    const claimedJobId = await insertUploadedJob(t);
    const response = await t.fetch(WORKER_ROUTES.claim, {
      method: "POST",
      headers: { authorization: `Bearer ${WORKER_SECRET}` },
      body: JSON.stringify({ workerId: "the-real-worker" }),
    });
    const claimed = (await response.json()) as { job: { claimToken: string } };
    return { t, claimedJobId, claimToken: claimed.job.claimToken };
  }

  function hostileAuthorization(random: Random): Record<string, string> {
    const good = `Bearer ${WORKER_SECRET}`;
    if (random.next() < 0.6) return { authorization: good };
    return random.pick<Record<string, string>>([
      {},
      { authorization: "" },
      { authorization: "Bearer" },
      { authorization: "Bearer " },
      { authorization: `bearer ${WORKER_SECRET}` },
      { authorization: `Bearer  ${WORKER_SECRET}` },
      { authorization: `Bearer ${WORKER_SECRET} ` },
      { authorization: `Bearer ${WORKER_SECRET.slice(0, -1)}` },
      { authorization: `Bearer ${WORKER_SECRET}${WORKER_SECRET}` },
      { authorization: `Basic ${btoa(`worker:${WORKER_SECRET}`)}` },
      { authorization: `Bearer ${"A".repeat(64 * 1024)}` },
      { authorization: `Bearer ${WORKER_SECRET.toUpperCase()}` },
      { "x-authorization": good },
    ]);
  }

  function hostileBody(random: Random, route: string, http: HttpWorld): string {
    const claimed = { jobId: http.claimedJobId, claimToken: "not-the-token" };
    const shapes: unknown[] = [
      undefined,
      "",
      "not json",
      "{",
      "null",
      "[]",
      "0",
      '"string"',
      '{"a":'.repeat(5_000) + "1" + "}".repeat(5_000),
      "[".repeat(20_000) + "]".repeat(20_000),
      "x".repeat(64 * 1024 + 1),
      JSON.stringify({ workerId: "w", pad: "p".repeat(70_000) }),
      '{"__proto__":{"workerId":"w"}}',
      '{"workerId":"w","__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      JSON.stringify({ workerId: random.pick(HOSTILE_STRINGS.filter((s) => s.length === 0 || s.length > 100)) }),
      JSON.stringify({ workerId: 5 }),
      JSON.stringify({ ...claimed }),
      JSON.stringify({ ...claimed, stage: "encode", pct: random.pick(HOSTILE_NUMBERS.filter((n) => !(n >= 0 && n <= 100))) }),
      JSON.stringify({ ...claimed, stage: "encode", pct: 50 }),
      JSON.stringify({ ...claimed, stage: random.pick(HOSTILE_STRINGS), pct: 50, media: { durationSec: -1 } }),
      JSON.stringify({ ...claimed, jobId: random.pick(world.foreignIds) }),
      JSON.stringify({ ...claimed, jobId: "../../etc/passwd" }),
      JSON.stringify({ ...claimed, claimToken: "" }),
      JSON.stringify({ ...claimed, claimToken: "t".repeat(101) }),
      JSON.stringify({ ...claimed, artifacts: [] }),
      JSON.stringify({ ...claimed, artifacts: Array.from({ length: 101 }, () => ({ kind: "poster", index: 0 })) }),
      JSON.stringify({ ...claimed, artifacts: [{ kind: "../x", index: 0 }] }),
      JSON.stringify({ ...claimed, artifacts: [{ kind: "poster", index: 0 }] }),
      JSON.stringify({ ...claimed, artifact: { kind: "poster", index: 0, bytes: 1 } }),
      JSON.stringify({ ...claimed, artifact: { kind: "poster", index: 1000, bytes: -1 } }),
      JSON.stringify({ ...claimed, artifact: { kind: "poster", index: 0, bytes: 1, r2Key: "sources/x" } }),
      JSON.stringify({ ...claimed, code: "processing_error", message: "m" }),
      JSON.stringify({ ...claimed, code: "canceled", message: "m" }),
      JSON.stringify({ ...claimed, code: "processing_error", message: "m".repeat(2001) }),
      JSON.stringify({ ...claimed, extra: true }),
      JSON.stringify({ jobId: http.claimedJobId, claimToken: http.claimToken.slice(0, -1) }),
      JSON.stringify({ jobId: world.otherJobId, claimToken: http.claimToken.toUpperCase() }),
    ];
    const body = random.pick(shapes);
    // The routes share one body parser; a body meant for one route is hostile for the others.
    return body === undefined ? (route === WORKER_ROUTES.info ? "{" : "") : (body as string);
  }

  test("every route answers 400, 401 or 409 and changes nothing", { timeout: 30_000 }, async () => {
    const random = seededRandom(SEED + 1);
    const http = await buildHttpWorld();
    const allFaults: string[] = [];
    for (const route of Object.values(WORKER_ROUTES)) {
      const tally = newTally();
      for (let i = 0; i < INPUTS_PER_ROUTE; i++) {
        const headers = {
          ...hostileAuthorization(random),
          ...(random.next() < 0.8 ? { "content-type": random.pick(["application/json", "text/plain", "multipart/form-data; boundary=x"]) } : {}),
        };
        const body = hostileBody(random, route, http);
        const before = await snapshot(http.t);
        let status: number;
        let text = "";
        try {
          const response = await http.t.fetch(route, { method: "POST", headers, body });
          status = response.status;
          text = await response.text();
        } catch (error) {
          status = -1;
          text = error instanceof Error ? error.message : String(error);
        }
        const changed = (await snapshot(http.t)) !== before;
        const problems: string[] = [];
        if (changed) tally.changed++;
        // `claim` with a well-formed body finds nothing claimable (the one job is claimed): 200 { job: null }.
        const emptyClaim = route === WORKER_ROUTES.claim && status === 200 && text === '{"job":null}';
        if (![400, 401, 409].includes(status) && !emptyClaim) problems.push(`status ${status}: ${text.slice(0, 200)}`);
        if (changed) problems.push("the tables changed");
        if (text.includes(WORKER_SECRET) || text.includes(http.claimToken)) problems.push("the answer echoes a secret");
        if (leaksOtherUser(text, world, body)) problems.push("the answer shows the other user's job");
        tally.inputs++;
        tally.outcomes[String(status)] = (tally.outcomes[String(status)] ?? 0) + 1;
        if (problems.length > 0) {
          tally.faults.push(`${route} ${describeArgs({ headers, body })}: ${problems.join("; ")}`);
        }
      }
      summarize(`POST ${route}`, tally);
      allFaults.push(...tally.faults);
    }
    for (const fault of allFaults) console.log(`FAULT ${fault}`);
    expect(allFaults.slice(0, 20)).toEqual([]);
  });

  // -------------------------------------------------------------------------------------------
  // Behind a valid secret and a live claim token: hostile values in every other field.

  const CLAIMED_ROUTES = {
    [WORKER_ROUTES.heartbeat]: protocol.heartbeatRequest,
    [WORKER_ROUTES.artifactUploadUrls]: protocol.artifactUploadUrlsRequest,
    [WORKER_ROUTES.artifacts]: protocol.artifactRequest,
    [WORKER_ROUTES.complete]: protocol.completeRequest,
    [WORKER_ROUTES.fail]: protocol.failRequest,
  } as const;
  /** The internal functions behind the routes: a request reached its handler when one of these ran. */
  const ROUTE_HANDLERS = [
    "workerQueue.heartbeat",
    "workerQueue.verifyClaim",
    "workerStorage.signArtifactUploads",
    "workerQueue.recordArtifact",
    "workerQueue.completeJob",
    "workerQueue.failClaimedJob",
  ];
  const routeHandlerEntries = () => ROUTE_HANDLERS.reduce((sum, path) => sum + handlerEntries(path), 0);

  /** A value for one field: usually of the right type and hostile, sometimes well-formed, sometimes anything. */
  function fieldValue(random: Random, wellFormed: unknown): unknown {
    const roll = random.next();
    if (roll < 0.65) return wellFormed;
    if (roll < 0.9) {
      if (typeof wellFormed === "number") return random.pick(HOSTILE_NUMBERS);
      if (typeof wellFormed === "string") return random.next() < 0.1 ? HUGE_ASCII : random.pick([...HOSTILE_STRINGS, ...world.foreignIds]);
      if (typeof wellFormed === "boolean") return random.pick([true, false]);
    }
    return random.pick<unknown>([null, "", 0, -1, [], {}, "x".repeat(101), random.pick(HOSTILE_STRINGS)]);
  }

  function claimedBody(random: Random, route: keyof typeof CLAIMED_ROUTES, live: { jobId: string; claimToken: string }): Record<string, unknown> {
    const base: Record<string, unknown> = {
      jobId: random.next() < 0.9 ? live.jobId : random.pick([world.otherJobId, world.ownJobId, ...world.foreignIds]),
      claimToken: random.next() < 0.9 ? live.claimToken : fieldValue(random, live.claimToken),
    };
    const kind = () => (random.next() < 0.85 ? random.pick(ARTIFACT_KINDS) : fieldValue(random, "poster"));
    switch (route) {
      case WORKER_ROUTES.heartbeat: {
        const media =
          random.next() < 0.75
            ? undefined
            : {
                durationSec: fieldValue(random, 12),
                width: fieldValue(random, 1920),
                height: fieldValue(random, 1080),
                fps: fieldValue(random, 30),
                rotation: fieldValue(random, 0),
                videoCodec: fieldValue(random, "h264"),
                hasAudio: fieldValue(random, true),
              };
        return { ...base, stage: fieldValue(random, "probe"), pct: fieldValue(random, 50), ...(media ? { media } : {}) };
      }
      case WORKER_ROUTES.artifactUploadUrls:
        return { ...base, artifacts: Array.from({ length: 1 + Math.floor(random.next() * 2) }, () => ({ kind: kind(), index: fieldValue(random, 0) })) };
      case WORKER_ROUTES.artifacts:
        return {
          ...base,
          artifact: {
            kind: kind(),
            index: fieldValue(random, 0),
            bytes: fieldValue(random, 1234),
            ...(random.next() < 0.5 ? { width: fieldValue(random, 640), height: fieldValue(random, 360) } : {}),
            ...(random.next() < 0.3 ? { durationSec: fieldValue(random, 2), startSec: fieldValue(random, 1) } : {}),
          },
        };
      case WORKER_ROUTES.complete:
        return base;
      case WORKER_ROUTES.fail:
        return { ...base, code: random.pick([...protocol.WORKER_FAILURE_CODES, "canceled", "x"]), message: fieldValue(random, "ffmpeg said no") };
    }
  }

  test("behind a live claim token: refusals are 400/409 and change nothing, valid bodies reach the handler, nothing is a 500", { timeout: 60_000 }, async () => {
    const random = seededRandom(SEED + 2);
    const t = world.t;
    const authorization = { authorization: `Bearer ${WORKER_SECRET}`, "content-type": "application/json" };
    /** A job of the owner's, UPLOADED and then claimed through the route: its token is live. */
    async function liveClaim() {
      await insertUploadedJob(t, { ownerId: world.ownerId });
      const response = await t.fetch(WORKER_ROUTES.claim, { method: "POST", headers: authorization, body: JSON.stringify({ workerId: "drill" }) });
      const { job } = (await response.json()) as { job: { jobId: string; claimToken: string } | null };
      if (job === null) throw new Error("the drill's claim found no job");
      return job;
    }
    const allFaults: string[] = [];
    for (const [route, schema] of Object.entries(CLAIMED_ROUTES) as Array<[keyof typeof CLAIMED_ROUTES, (typeof CLAIMED_ROUTES)[keyof typeof CLAIMED_ROUTES]]>) {
      const tally = newTally();
      let live = await liveClaim();
      for (let i = 0; i < INPUTS_PER_CLAIMED_ROUTE; i++) {
        const body = JSON.stringify(claimedBody(random, route, live));
        const valid = schema.safeParse(JSON.parse(body)).success;
        const before = await snapshot(t);
        const entriesBefore = routeHandlerEntries();
        const response = await t.fetch(route, { method: "POST", headers: authorization, body });
        const status = response.status;
        const text = await response.text();
        const entered = routeHandlerEntries() > entriesBefore;
        const changed = (await snapshot(t)) !== before;
        const problems: string[] = [];
        tally.inputs++;
        if (entered) tally.reached++;
        if (valid) tally.valid++;
        if (entered !== valid) problems.push(valid ? "a body the route's schema takes did not reach the handler" : "a body the schema refuses reached the handler");
        if (![200, 400, 409].includes(status)) problems.push(`status ${status}: ${text.slice(0, 200)}`);
        if (status !== 200 && changed) {
          tally.changed++;
          problems.push("a refused request changed the tables or the storage");
        }
        if (status === 400 && entered) problems.push("the handler refused with 400: only the route's schema may");
        if (text.includes(WORKER_SECRET)) problems.push("the answer echoes the secret");
        if (leaksOtherUser(text, world, body)) problems.push("the answer shows the other user's job");
        tally.outcomes[String(status)] = (tally.outcomes[String(status)] ?? 0) + 1;
        if (problems.length > 0) tally.faults.push(`${route} ${describeArgs(JSON.parse(body))}: ${problems.join("; ")}`);
        // `complete` and `fail` end the claim: let what they scheduled (the source's delete) run, take a fresh one.
        if (status === 200 && (route === WORKER_ROUTES.complete || route === WORKER_ROUTES.fail)) {
          await settleScheduled(t);
          live = await liveClaim();
        }
      }
      summarize(`POST ${route} (live claim)`, tally);
      allFaults.push(...tally.faults);
      expect(tally.reached, `${route}: requests that reached the handler`).toBe(tally.valid);
      expect(tally.reached, `${route}: requests that reached the handler`).toBeGreaterThanOrEqual(Math.ceil(MIN_REACHED_SHARE * INPUTS_PER_CLAIMED_ROUTE));
    }
    for (const fault of allFaults) console.log(`FAULT ${fault}`);
    expect(allFaults.slice(0, 20)).toEqual([]);
  });
});
