import type { TAppContext } from "../../core/context.js";
import { expireClarifications } from "./expire-clarifications.js";

const INTERVAL_MS = 60_000;

/**
 * Background loop (scheduler role): every minute, resolve unanswered clarifying questions as opt-outs.
 * Safe to run in several processes (each expiry re-checks its row inside its own transaction).
 */
export async function startClarificationSweeper(ctx: TAppContext): Promise<() => Promise<void>> {
  let stopped = false;
  let busy = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (busy) return;
    busy = true;
    running = expireClarifications(ctx)
      .catch((error: unknown) => ctx.logger.error({ err: error }, "clarification sweep failed"))
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, INTERVAL_MS);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
