import { describe, expect, it } from "vitest";
import { linkedAbortController, sleep, untilAborted } from "./abortable";

describe("sleep", () => {
  it("resolves after the delay", async () => {
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it("rejects at once when aborted", async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
  });
});

describe("untilAborted", () => {
  it("settles like the promise when not aborted", async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(Promise.resolve(1), signal)).resolves.toBe(1);
    await expect(untilAborted(Promise.reject(new Error("no")), signal)).rejects.toThrow("no");
  });

  it("rejects when aborted even if the promise never settles", async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise(() => {}), controller.signal);
    controller.abort(new Error("canceled"));
    await expect(waiting).rejects.toThrow("canceled");
  });
});

describe("linkedAbortController", () => {
  it("aborts with the reason of whichever parent aborts", () => {
    const a = new AbortController();
    const b = new AbortController();
    const { controller } = linkedAbortController([a.signal, b.signal]);
    b.abort("b went");
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe("b went");
  });

  it("starts aborted when a parent already is", () => {
    const a = new AbortController();
    a.abort("early");
    expect(linkedAbortController([new AbortController().signal, a.signal]).controller.signal.reason).toBe("early");
  });

  it("stops following its parents once released", () => {
    const a = new AbortController();
    const { controller, release } = linkedAbortController([a.signal]);
    release();
    a.abort();
    expect(controller.signal.aborted).toBe(false);
  });
});
