import type { TAppContext } from "../../core/context.js";
import { consentKeyRings } from "./consent-key-rings.js";

/**
 * Call once per process at start (every role): consent writers receive only a transaction, and this is
 * how they reach the key ring to keep the cross-brand signal (mounting the consent routes does it too).
 */
export function initConsent(ctx: Pick<TAppContext, "keys">): void {
  consentKeyRings.use(ctx.keys);
}
