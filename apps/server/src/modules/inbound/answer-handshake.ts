import type { TAppContext } from "../../core/context.js";
import { notFound } from "../../core/errors.js";
import { loadWebhookAccount } from "./load-webhook-account.js";

/**
 * Meta's subscription handshake (`GET …?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`): the
 * challenge when the verify token matches the account's, else `{ ok: false }` (403). Unknown account, or
 * a provider without a handshake: 404.
 */
export async function answerHandshake(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  o: { channelAccountId: string; query: Record<string, string | undefined> },
): Promise<{ ok: true; challenge: string } | { ok: false }> {
  const loaded = await loadWebhookAccount(ctx, o.channelAccountId);
  if (!loaded) throw notFound("channel account");
  const handshake = loaded.adapter.verifyHandshake;
  if (!handshake) throw notFound("webhook handshake for this provider");
  return handshake(o.query);
}
