// @vitest-environment node
import { afterEach, describe, expect, test, vi } from "vitest";
import { internal } from "./_generated/api";
import { spawnModalDrain } from "./model/modalDrainSpawner";
import { newConvexTest } from "./testing/convexTest.testing";

/** A stand-in at the `modal` SDK boundary: records what the wake asked Modal to do. */
const modalCalls = vi.hoisted(() => ({
  clients: [] as Array<Record<string, unknown>>,
  fromName: [] as Array<[string, string]>,
  spawns: 0,
  closed: 0,
  failWith: null as Error | null,
  hangs: false,
}));

vi.mock("modal", () => ({
  ModalClient: class {
    functions = {
      fromName: async (app: string, fn: string) => {
        modalCalls.fromName.push([app, fn]);
        if (modalCalls.failWith) throw modalCalls.failWith;
        if (modalCalls.hangs) await new Promise(() => {});
        return { spawn: async () => void modalCalls.spawns++ };
      },
    };
    constructor(params: Record<string, unknown>) {
      modalCalls.clients.push(params);
    }
    close() {
      modalCalls.closed++;
    }
  },
}));

afterEach(() => {
  vi.unstubAllEnvs();
  modalCalls.clients = [];
  modalCalls.fromName = [];
  modalCalls.spawns = 0;
  modalCalls.closed = 0;
  modalCalls.failWith = null;
  modalCalls.hangs = false;
});

describe("wakeWorker", () => {
  test("without Modal credentials it does nothing and creates no client", async () => {
    vi.stubEnv("MODAL_TOKEN_ID", "");
    expect(await newConvexTest().action(internal.workerWake.wakeWorker, {})).toBe("not_configured");
    expect(modalCalls.clients).toEqual([]);
  });

  test("with credentials it spawns the configured app's function once", async () => {
    vi.stubEnv("MODAL_TOKEN_ID", "ak-test");
    vi.stubEnv("MODAL_TOKEN_SECRET", "as-test");
    expect(await newConvexTest().action(internal.workerWake.wakeWorker, {})).toBe("spawned");
    expect(modalCalls.clients).toEqual([{ tokenId: "ak-test", tokenSecret: "as-test" }]);
    expect(modalCalls.fromName).toEqual([["reeldrop-worker", "drain"]]);
    expect(modalCalls.spawns).toBe(1);
    expect(modalCalls.closed).toBe(1);

    vi.stubEnv("MODAL_APP_NAME", "other-app");
    vi.stubEnv("MODAL_FUNCTION_NAME", "process");
    await newConvexTest().action(internal.workerWake.wakeWorker, {});
    expect(modalCalls.fromName.at(-1)).toEqual(["other-app", "process"]);

    // A captions task wakes the GPU drain, named by its own setting.
    await newConvexTest().action(internal.workerWake.wakeWorker, { drain: "captions" });
    expect(modalCalls.fromName.at(-1)).toEqual(["other-app", "captions_drain"]);
    vi.stubEnv("MODAL_CAPTIONS_FUNCTION_NAME", "gpu_drain");
    await newConvexTest().action(internal.workerWake.wakeWorker, { drain: "captions" });
    expect(modalCalls.fromName.at(-1)).toEqual(["other-app", "gpu_drain"]);
  });

  test("a Modal failure is reported without the token, and does not throw", async () => {
    vi.stubEnv("MODAL_TOKEN_ID", "ak-test");
    vi.stubEnv("MODAL_TOKEN_SECRET", "as-secret-value");
    modalCalls.failWith = new Error("UNAVAILABLE: as-secret-value");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await newConvexTest().action(internal.workerWake.wakeWorker, {})).toBe("failed");
    const logged = warn.mock.calls.flat().join(" ");
    expect(logged).not.toContain("as-secret-value");
    // Enough to tell "unreachable" from "app not found" or "bad token".
    expect(logged).toBe("Could not wake the Modal worker reeldrop-worker/drain: Error: UNAVAILABLE: [redacted]");
    expect(modalCalls.closed).toBe(1);
  });

  test("a Modal that never answers is given up on, and the client closed", async () => {
    modalCalls.hangs = true;
    const settings = { tokenId: "ak-test", tokenSecret: "as-test", appName: "reeldrop-worker", functionName: "drain" };
    await expect(spawnModalDrain(settings, 50)).rejects.toThrow("Modal did not answer within 0.05 s");
    expect(modalCalls.closed).toBe(1);
    expect(modalCalls.spawns).toBe(0);
  });
});
