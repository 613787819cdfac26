import type { Command } from "./commands";

/** One step of a deploy: what it does, in words, and the exact commands, run in order. */
export type Step = { title: string; notes: readonly string[]; commands: readonly Command[] };
