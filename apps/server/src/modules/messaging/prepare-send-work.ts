import { hash } from "node:crypto";
import type { TActor } from "../../core/audit.js";
import { canonicalJson } from "../../core/canonical-json.js";
import { AppError } from "../../core/errors.js";
import { countSmsSegments } from "../channels/index.js";
import type { TMessageContent } from "./messaging.types.js";
import { normalizeRecipient } from "./normalize-recipient.js";
import type { TSendMessageRequest } from "./send-message.schema.js";
import type { TSendWork } from "./send-work.js";

/** SMS bills per segment; every other channel counts one unit per message. */
export function segmentsOf(channel: string, content: TMessageContent): number {
  if (channel !== "sms" || content.body === undefined) return 1;
  return countSmsSegments(content.body).segments;
}

export function contentKindOf(content: TMessageContent): TSendWork["contentKind"] {
  return content.template !== undefined ? "template" : content.media !== undefined ? "media" : "text";
}

/**
 * Turn a validated `POST /v1/messages` body into group-commit work: the address normalised (400
 * `invalid_address` naming `to`), the content to seal, the SMS segments and, with an Idempotency-Key, the
 * request hash that a replay is compared with (of the body's canonical JSON: key order does not count).
 */
export function prepareSendWork(o: {
  workspaceId: string;
  actor: TActor;
  requestId?: string | undefined;
  idempotencyKey?: string | undefined;
  request: TSendMessageRequest;
}): TSendWork {
  const r = o.request;
  if (o.idempotencyKey !== undefined && (o.idempotencyKey.length < 1 || o.idempotencyKey.length > 255)) {
    throw new AppError("validation_failed", {
      message: "Idempotency-Key must be 1 to 255 characters",
      field: "Idempotency-Key",
    });
  }
  const content: TMessageContent = {
    ...(r.body !== undefined ? { body: r.body } : {}),
    ...(r.media !== undefined ? { media: r.media } : {}),
    ...(r.template !== undefined ? { template: r.template } : {}),
    ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
    ...(r.tag !== undefined ? { tag: r.tag } : {}),
  };
  const to =
    r.to === undefined ? undefined : { address: normalizeRecipient(r.channel, r.to, "to"), field: "to" };
  return {
    workspaceId: o.workspaceId,
    actor: o.actor,
    requestId: o.requestId,
    source: "api",
    idempotencyKey: o.idempotencyKey,
    requestHash:
      o.idempotencyKey === undefined
        ? undefined
        : hash("sha256", `POST /v1/messages${canonicalJson(r)}`, "hex"),
    to,
    contactId: r.contactId,
    channel: r.channel,
    brandId: r.brandId,
    campaignId: r.campaignId,
    category: r.category,
    channelAccountId: r.channelAccountId,
    content,
    contentKind: contentKindOf(content),
    segments: segmentsOf(r.channel, content),
    scheduledAt: r.scheduledAt === undefined ? undefined : new Date(r.scheduledAt),
  };
}
