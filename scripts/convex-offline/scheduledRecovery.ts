/**
 * Scheduled functions that outlive the process that scheduled them. convex-test runs a
 * scheduled function on a timer of the process that scheduled it; its `_scheduled_functions`
 * row is all that survives a restart. At start-up each row left unfinished is taken up again,
 * as Convex does after a restart (scheduled mutations run exactly once, scheduled actions at
 * most once — `Scheduler` in convex/server):
 * - pending: runs at its original time (at once if that passed while the backend was down);
 * - in progress, a mutation: it never committed (the process died inside it), so it runs again;
 * - in progress, an action: it may have done part of its work, so it is not run again but
 *   marked failed.
 * Rows scheduled after start-up stay convex-test's own.
 */
import { convexToJson, type Value } from "convex/values";
import type { EngineState, StoredDocument } from "./engineState";
import type { FunctionExecutor } from "./executor";
import type { Logger } from "./log";

const TABLE = "_scheduled_functions";
const MAX_TIMER_MS = 2 ** 31 - 1;
export const INTERRUPTED_ACTION_ERROR =
  "The offline backend stopped while this scheduled action was running; scheduled actions run at most once, so it was not run again.";

type ScheduledFunctionRow = StoredDocument & {
  name: string;
  args: Value[];
  scheduledTime: number;
  state: { kind: string };
};

export class ScheduledFunctionRecovery {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly engine: EngineState,
    private readonly executor: FunctionExecutor,
    private readonly log: Logger,
  ) {}

  /** Takes up the unfinished rows the engine holds now (call right after restoring it). */
  async start(): Promise<void> {
    const now = Date.now();
    const rows = Object.values(this.engine.db._documents).filter(
      (document): document is ScheduledFunctionRow =>
        tableOf(document._id) === TABLE && ["pending", "inProgress"].includes((document as ScheduledFunctionRow).state.kind),
    );
    let due = 0;
    let failed = 0;
    for (const row of rows) {
      const inProgress = row.state.kind === "inProgress";
      if (inProgress && this.executor.kindOf(row.name) === "action") {
        await this.finish(row, { kind: "failed", error: INTERRUPTED_ACTION_ERROR });
        this.log.warn(`[scheduler] ${row.name} (${row._id}) was running when the backend stopped: marked failed`);
        failed++;
        continue;
      }
      if (inProgress || row.scheduledTime <= now) due++;
      this.arm(row, inProgress ? now : row.scheduledTime);
    }
    if (rows.length > 0) {
      this.log.info(
        `[scheduler] ${rows.length} scheduled functions from before the restart: ${due} due now, ` +
          `${rows.length - due - failed} later, ${failed} interrupted actions marked failed`,
      );
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(row: ScheduledFunctionRow, at: number): void {
    if (this.stopped) return;
    const delayMs = Math.max(0, at - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (delayMs > MAX_TIMER_MS) this.arm(row, at);
      else void this.run(row);
    }, Math.min(delayMs, MAX_TIMER_MS));
    this.timers.add(timer);
  }

  private async run(row: ScheduledFunctionRow): Promise<void> {
    const { db } = this.engine;
    const started = await this.executor.runSystemTransaction(() => {
      const current = db.get(TABLE, row._id) as ScheduledFunctionRow | null;
      // Canceled (or finished) since: nothing to do.
      if (current === null || !["pending", "inProgress"].includes(current.state.kind)) return false;
      db.patch(TABLE, row._id, { state: { kind: "inProgress" } });
      return true;
    });
    if (!started || this.stopped) return;
    const outcome = await this.executor.run(row.name, convexToJson(row.args[0] ?? {}), null, { caller: "system" });
    if (!outcome.success) this.log.error(`[scheduler] ${row.name} (${row._id}) failed: ${outcome.errorMessage}`);
    await this.finish(row, outcome.success ? { kind: "success" } : { kind: "failed", error: outcome.errorMessage });
  }

  private async finish(row: ScheduledFunctionRow, state: { kind: "success" } | { kind: "failed"; error: string }): Promise<void> {
    await this.executor.runSystemTransaction(() =>
      this.engine.db.patch(TABLE, row._id, { state, completedTime: Date.now() }),
    );
  }
}

/** The table of a convex-test id (`<counter><table>`). */
function tableOf(id: string): string {
  return id.replace(/^[0-9]+/, "");
}
