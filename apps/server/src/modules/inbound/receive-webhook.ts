import { createHmac } from "node:crypto";
import type { TAppContext } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { isChannelError, type TChannelAdapter, type THeaders, type TProviderId } from "../channels/index.js";
import type { TInboundOutcome } from "./inbound.types.js";
import { loadWebhookAccount } from "./load-webhook-account.js";
import { processInboundEvents } from "./process-inbound-events.js";
import { routeMetaEvents } from "./route-meta-events.js";

export interface TWebhookDelivery {
  channelAccountId: string;
  /** The exact bytes received; the signature is computed over them. */
  rawBody: Buffer;
  headers: THeaders;
  /** The public URL the provider called, query string included (Twilio signs it). */
  url: string;
  contentType: string;
  requestId?: string | undefined;
}

const DUMMY_KEY = Buffer.alloc(32, 7);

export interface TWebhookReceipt {
  providerId: TProviderId;
  outcomes: TInboundOutcome[];
}

/** The signature header each provider uses, named in 401 answers. */
const signatureHeader: Record<TProviderId, string> = {
  "whatsapp-cloud": "X-Hub-Signature-256",
  instagram: "X-Hub-Signature-256",
  twilio: "X-Twilio-Signature",
  "telegram-bot": "X-Telegram-Bot-Api-Secret-Token",
  sandbox: "X-Assent-Signature",
  fake: "X-Assent-Signature",
};

/** Fields of a normalized event that are stored in indexed columns or keys: ids and addresses. */
const KEY_FIELDS = [
  "dedupeKey",
  "providerMessageId",
  "from",
  "fromUserId",
  "to",
  "recipient",
  "recipientUserId",
  "clientReference",
  "businessConnectionId",
  "replyToProviderMessageId",
  "errorCode",
] as const;
/** Far above any provider's ids (Twilio SIDs are 34 characters, wamids about 60), far below an index row. */
const MAX_KEY_LENGTH = 512;

/**
 * A signed delivery whose ids or addresses are longer than any provider writes is refused whole (400
 * naming the field) before anything is stored: such a value cannot be indexed, and the provider would
 * retry a 5xx forever.
 */
function refuseOversizedKeys(events: ReturnType<TChannelAdapter["parseWebhook"]>): void {
  for (const e of events) {
    const record = e as Record<string, unknown>;
    for (const f of KEY_FIELDS) {
      const v = record[f];
      if (typeof v === "string" && v.length > MAX_KEY_LENGTH)
        throw new AppError("validation_failed", {
          message: `${f} is longer than ${MAX_KEY_LENGTH} characters`,
          field: f,
        });
    }
  }
}

/**
 * A provider webhook: load the channel account, verify the signature over the raw bytes before anything
 * is stored (401 invalid_signature), parse (400 on a body the provider format refuses), then process
 * each event in its own transaction. An unknown account is a 404 after the same HMAC work.
 */
export async function receiveWebhook(ctx: TAppContext, d: TWebhookDelivery): Promise<TWebhookReceipt> {
  const loaded = await loadWebhookAccount(ctx, d.channelAccountId);
  if (!loaded) {
    createHmac("sha256", DUMMY_KEY).update(d.rawBody).digest();
    throw notFound("channel account");
  }
  const { account, adapter, credentials } = loaded;
  if (!adapter.verifyWebhook({ rawBody: d.rawBody, headers: d.headers, url: d.url })) {
    throw new AppError("invalid_signature", {
      message: "webhook signature missing or wrong",
      field: signatureHeader[account.providerId],
    });
  }
  let events: ReturnType<TChannelAdapter["parseWebhook"]>;
  try {
    events = adapter.parseWebhook({ rawBody: d.rawBody, contentType: d.contentType, url: d.url });
  } catch (error) {
    if (isChannelError(error))
      throw new AppError("validation_failed", { message: error.message, field: "body" });
    throw error;
  }
  refuseOversizedKeys(events);
  const routed = await routeMetaEvents(ctx, {
    account,
    credentials,
    rawBody: d.rawBody,
    headers: d.headers,
    url: d.url,
    events,
  });
  const outcomes: TInboundOutcome[] = [];
  for (const group of routed) {
    if (!group.target) {
      ctx.logger.warn(
        { channelAccountId: account.id, requestId: d.requestId },
        "webhook events for an unknown sender ignored",
      );
      for (const _ of group.events) outcomes.push({ kind: "ignored", reason: "unknown_sender" });
      continue;
    }
    outcomes.push(
      ...(await processInboundEvents(ctx, {
        account: group.target.account,
        credentials: group.target.credentials,
        events: group.events,
        actor: { type: "provider", id: account.providerId },
        requestId: d.requestId,
      })),
    );
  }
  return { providerId: account.providerId, outcomes };
}
