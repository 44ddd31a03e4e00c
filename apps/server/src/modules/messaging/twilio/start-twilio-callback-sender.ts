import type { TAppContext } from "../../../core/context.js";
import { deliverTwilioCallbacks, type TPostCallback } from "./deliver-twilio-callbacks.js";

/**
 * The loop that posts Twilio-format StatusCallbacks (a worker task; several workers share the outbox
 * safely). Returns its stop function.
 */
export async function startTwilioCallbackSender(
  ctx: TAppContext,
  o: { pollMs?: number; post?: TPostCallback } = {},
): Promise<() => Promise<void>> {
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      let delivered = 0;
      try {
        delivered = await deliverTwilioCallbacks(ctx, o.post ? { post: o.post } : {});
      } catch (error) {
        ctx.logger.error({ err: error }, "status callback delivery failed");
      }
      if (delivered > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.pollMs ?? 500);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return async () => {
    running = false;
    wake?.();
    await loop;
  };
}
