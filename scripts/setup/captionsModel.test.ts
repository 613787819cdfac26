import path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureCaptionsModel } from "./captionsModel";

describe("the captions model step of npm run dev", () => {
  it("leaves an installed, verified model alone and says where it is", async () => {
    const lines: string[] = [];
    const setup = await ensureCaptionsModel({ log: (line) => lines.push(line) });
    const modelDir = path.resolve(process.env.CAPTIONS_MODEL_DIR || path.join(".models", "whisper-base"));
    expect(lines.join("\n")).toContain(`ready in ${modelDir} (model.bin verified)`);
    expect(setup).toEqual({ ready: true });
  }, 60_000);

  it("without Python it says captions are off and does not throw", async () => {
    const lines: string[] = [];
    const setup = await ensureCaptionsModel({ log: (line) => lines.push(line), python: "/nonexistent/python3" });
    expect(setup).toEqual({ ready: false });
    expect(lines.join("\n")).toMatch(/captions are off: could not run \/nonexistent\/python3/);
  });
});
