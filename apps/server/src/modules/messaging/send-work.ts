import type { TActor } from "../../core/audit.js";
import type { TChannel } from "../channels/index.js";
import type { TMessageCategory, TMessageContent, TMessageSource, TMessageStatus } from "./messaging.types.js";

/** One validated send request, ready for a group commit. */
export interface TSendWork {
  workspaceId: string;
  actor: TActor;
  requestId?: string | undefined;
  source: Exclude<TMessageSource, "compliance">;
  idempotencyKey?: string | undefined;
  /** What an Idempotency-Key replay is compared with; only needed (and stored) with a key. */
  requestHash?: string | undefined;
  /** The address as given (already checked to normalise), or the contact id. */
  to?: { address: string; field: string } | undefined;
  contactId?: string | undefined;
  channel: TChannel;
  brandId: string;
  campaignId?: string | undefined;
  category?: TMessageCategory | undefined;
  channelAccountId?: string | undefined;
  content: TMessageContent;
  contentKind: "text" | "media" | "template";
  segments: number;
  scheduledAt?: Date | undefined;
  twilio?:
    | {
        sid: string;
        statusCallbackUrl?: string | undefined;
        callbackKeyId?: string | undefined;
        /**
         * The caller's API key secret, sealed, when this process has not stored it yet: it signs the
         * StatusCallbacks (as Twilio signs with the caller's auth token). Kept in the message's own
         * transaction, and only when the message is accepted (a refused send stores nothing).
         */
        callbackKeySealed?: string | undefined;
      }
    | undefined;
}

/** The answer to a send (the first one is kept and replayed for the same Idempotency-Key). */
export interface TAcceptedMessage {
  id: string;
  status: TMessageStatus;
  reason: string | null;
  notBefore: Date | null;
  contactId: string;
  channelAccountId: string;
  createdAt: Date;
  replayed: boolean;
  twilioSid: string | null;
}

export type TAcceptOutcome = { ok: true; value: TAcceptedMessage } | { ok: false; error: unknown };
