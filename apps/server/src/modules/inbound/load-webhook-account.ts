import type { TAppContext } from "../../core/context.js";
import { createAdapter, isChannelError, type TChannelAdapter, type TProviderId } from "../channels/index.js";
import { getChannelAccountForWebhook } from "../messaging/index.js";
import type { TInboundAccount } from "./inbound.types.js";

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Providers deliver webhooks in bursts to one account: its decrypted row is kept this long per process
 * (a credential change reaches other processes within this time; unknown ids are never cached).
 */
export const WEBHOOK_ACCOUNT_TTL_MS = 10_000;
const MAX_CACHED = 1_000;
type TFound = NonNullable<Awaited<ReturnType<typeof getChannelAccountForWebhook>>>;
const cache = new Map<string, { found: TFound; until: number }>();

async function findAccount(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  id: string,
): Promise<TFound | undefined> {
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && hit.until > now) return hit.found;
  const found = await getChannelAccountForWebhook(ctx.db, ctx.keys, id);
  if (!found) {
    cache.delete(id);
    return undefined;
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(id, { found, until: now + WEBHOOK_ACCOUNT_TTL_MS });
  return found;
}

/** The account as the messaging module returns it, with the sandbox secret where the adapter expects it. */
export async function loadWebhookAccount(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  channelAccountId: string,
): Promise<{ account: TInboundAccount; credentials: unknown; adapter: TChannelAdapter } | undefined> {
  if (!ACCOUNT_ID.test(channelAccountId)) return undefined;
  const found = await findAccount(ctx, channelAccountId);
  if (!found) return undefined;
  const base = typeof found.credentials === "object" && found.credentials !== null ? found.credentials : {};
  const credentials =
    found.webhookSecret !== undefined && (found.providerId === "sandbox" || found.providerId === "fake")
      ? { ...base, webhookSecret: found.webhookSecret }
      : found.credentials;
  const account: TInboundAccount = {
    id: found.id,
    workspaceId: found.workspaceId,
    brandId: found.brandId,
    providerId: found.providerId,
    channel: found.channel,
  };
  try {
    return {
      account,
      credentials,
      adapter: createAdapter(found.providerId, credentials, { clock: ctx.clock }),
    };
  } catch (error) {
    if (isChannelError(error))
      return { account, credentials, adapter: refusingAdapter(found.providerId, found.channel) };
    throw error;
  }
}

/** An account whose stored credentials no longer fit its provider verifies nothing. */
function refusingAdapter(providerId: TProviderId, channel: TInboundAccount["channel"]): TChannelAdapter {
  return {
    providerId,
    channel,
    idempotentSends: false,
    send: () => Promise.reject(new Error("channel account credentials are invalid")),
    verifyWebhook: () => false,
    parseWebhook: () => [],
  };
}
