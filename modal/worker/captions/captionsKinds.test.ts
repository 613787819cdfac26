// @vitest-environment node
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { kindsServed } from "./captionsKinds";

let withModel: string;
let empty: string;
beforeAll(async () => {
  withModel = await mkdtemp(path.join(tmpdir(), "reeldrop-model-"));
  empty = await mkdtemp(path.join(tmpdir(), "reeldrop-no-model-"));
  await writeFile(path.join(withModel, "model.bin"), "weights");
  await writeFile(path.join(withModel, "config.json"), "{}");
});
afterAll(async () => {
  await Promise.all([rm(withModel, { recursive: true }), rm(empty, { recursive: true })]);
});

describe("kindsServed", () => {
  test("unset WORKER_KINDS adds captions when the model is there", async () => {
    const warnings: string[] = [];
    expect(await kindsServed(["process", "clip"], { explicit: false, modelDir: withModel }, (m) => warnings.push(m))).toEqual([
      "process",
      "clip",
      "captions",
    ]);
    expect(warnings).toEqual([]);
  });

  test("without the model: captions are left out, said once, and the rest still served", async () => {
    const warnings: string[] = [];
    expect(await kindsServed(["process", "clip"], { explicit: false, modelDir: empty }, (m) => warnings.push(m))).toEqual(["process", "clip"]);
    expect(await kindsServed(["captions"], { explicit: true, modelDir: empty }, (m) => warnings.push(m))).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`captions are off: no captions model in ${empty}`);
  });

  test("an explicit WORKER_KINDS is kept as it is", async () => {
    const none = () => {};
    expect(await kindsServed(["process"], { explicit: true, modelDir: withModel }, none)).toEqual(["process"]);
    expect(await kindsServed(["captions"], { explicit: true, modelDir: withModel }, none)).toEqual(["captions"]);
  });
});
