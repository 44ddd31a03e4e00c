import { z } from "zod";

/** The channel a message travels on; one provider serves one channel. */
export type TChannel = "whatsapp" | "sms" | "telegram" | "instagram" | "sandbox";

/** Every provider an adapter exists for. `fake` is in-memory, for tests and benchmarks. */
export type TProviderId = "whatsapp-cloud" | "twilio" | "telegram-bot" | "instagram" | "sandbox" | "fake";

export const providerIds = [
  "whatsapp-cloud",
  "twilio",
  "telegram-bot",
  "instagram",
  "sandbox",
  "fake",
] as const satisfies readonly TProviderId[];

export const ZProviderId = z.enum(providerIds);

const ZHttpUrl = z.url({ protocol: /^https?$/ });

/**
 * A template component in WhatsApp Cloud API form
 * (`{type:"body", parameters:[{type:"text", text:"Ada"}]}`); unknown keys are passed through as given.
 */
export const ZTemplateComponent = z.looseObject({
  type: z.string().min(1),
  sub_type: z.string().optional(),
  index: z.union([z.string(), z.number().int().nonnegative()]).optional(),
  parameters: z.array(z.looseObject({ type: z.string().min(1) })).optional(),
});
export type TTemplateComponent = z.infer<typeof ZTemplateComponent>;

export const ZOutboundMedia = z.object({
  /** Public HTTPS URL the provider downloads the media from. */
  url: ZHttpUrl,
  /** MIME type; chooses image/video/audio/document where the provider distinguishes them. */
  contentType: z.string().min(1).optional(),
  caption: z.string().optional(),
});
export type TOutboundMedia = z.infer<typeof ZOutboundMedia>;

export const ZOutboundTemplate = z.object({
  /** WhatsApp: approved template name. Twilio: Content SID (`HX…`). */
  name: z.string().min(1),
  /** Language code such as `en_US` (WhatsApp). */
  language: z.string().min(1),
  /** WhatsApp template components, passed through. */
  components: z.array(ZTemplateComponent).optional(),
  /** Twilio Content API variables (`ContentVariables`), e.g. `{"1":"Ada"}`. */
  variables: z.record(z.string(), z.string()).optional(),
});
export type TOutboundTemplate = z.infer<typeof ZOutboundTemplate>;

/** Our outbound message, as the dispatcher hands it to an adapter. */
export const ZOutboundMessage = z
  .object({
    /** Our `msg_` id; stable across attempts, usable as an idempotency key. */
    messageId: z.string().min(1).max(512),
    /** Channel address: E.164 for sms, wa_id digits or BSUID for whatsapp, chat id for telegram, IGSID for instagram. */
    to: z.string().min(1).max(256),
    /** Sender override (Twilio `From`); otherwise the channel account's default sender. */
    from: z.string().min(1).optional(),
    body: z.string().optional(),
    media: z.array(ZOutboundMedia).optional(),
    template: ZOutboundTemplate.optional(),
    /** Telegram Business: reply on behalf of the connected business account. */
    businessConnectionId: z.string().min(1).optional(),
    /** Instagram: send with the HUMAN_AGENT tag (7-day window for human replies). */
    humanAgentTag: z.boolean().optional(),
    /** Twilio: status callback URL for this message. */
    statusCallbackUrl: ZHttpUrl.optional(),
  })
  .refine(
    (m) =>
      (m.body !== undefined && m.body.length > 0) || (m.media?.length ?? 0) > 0 || m.template !== undefined,
    {
      message: "a message needs a body, media or a template",
    },
  );
export type TOutboundMessage = z.input<typeof ZOutboundMessage>;

/** What the provider answered when it accepted a message. */
export interface TSendResult {
  /**
   * The provider's id (wamid, Twilio SM sid, Instagram mid; Telegram: the message id within the recipient's
   * chat, never the chat id, which is the user's id).
   */
  providerMessageId: string;
  acceptedAt: Date;
  /** SMS only: billed segments (Twilio's `num_segments` when positive, else our own count). */
  segments?: number;
  /** WhatsApp: the wa_id the provider resolved the recipient to, when it told us. */
  recipientAddress?: string;
  /** WhatsApp: the recipient's business-scoped user id (BSUID), when it told us. */
  recipientUserId?: string;
}

export interface TInboundMedia {
  /**
   * Where to fetch the media. Instagram and Twilio: a direct URL. WhatsApp: the Graph media endpoint
   * (`{root}/{version}/{mediaId}`, needs the Bearer token, answers with the download URL).
   * Telegram: an opaque `telegram-file:<file_id>` reference (resolve with getFile and the bot token).
   */
  url: string;
  contentType?: string;
  /** The provider's own media id (WhatsApp media id, Telegram file_id). */
  providerMediaId?: string;
}

export type TDeliveryStatus = "sent" | "delivered" | "read" | "failed" | "undelivered";

/** What any normalised event may carry besides its kind's fields (a type: events stay plain records). */
export type TEventAccount = {
  /**
   * Meta (WhatsApp Cloud, Instagram): the address of OUR account this event belongs to, as the event's own
   * part of the body names it: its change's `metadata.phone_number_id` (WhatsApp), its entry's `id` (the IG
   * account id). Meta sends the events of every number / account of an app to one callback URL, so one
   * signed body may mix accounts of different workspaces: the inbound route hands each event to the account
   * this names, never to the body as a whole. Absent when the event's part names none, and for providers
   * that route by URL.
   */
  accountAddress?: string;
};

/**
 * A provider webhook, normalised. Every event has a `dedupeKey`: providers retry deliveries, and the
 * same key means the same event. A key may hold personal identifiers (a Telegram chat id, a sender's
 * address): whoever stores one stores a keyed hash of it, never the key itself.
 */
export type TNormalizedEvent = TEventAccount & TNormalizedEventOfKind;

/** The fields of each kind of normalised event. */
type TNormalizedEventOfKind =
  | {
      kind: "inbound_message";
      dedupeKey: string;
      /** The provider's message id (Telegram: the id within the chat; the chat is `from`). */
      providerMessageId: string;
      /** The sender's channel address (what `to` would be for a reply). */
      from: string;
      /** WhatsApp: the sender's BSUID when given (then `from` may equal it if `wa_id` was empty). */
      fromUserId?: string;
      /** Our address the message was sent to (E.164, phone_number_id, IG account id, bot id). */
      to?: string;
      /** Text, caption or button text; "" when there is none. */
      body: string;
      media?: TInboundMedia[];
      receivedAt: Date;
      profileName?: string;
      businessConnectionId?: string;
      /** Button / quick-reply payload (WhatsApp button, Instagram quick reply, Telegram callback data). */
      buttonPayload?: string;
      /**
       * The provider message id this one replies to (WhatsApp context.id, Instagram reply_to.mid, Telegram
       * the replied message's id within the chat).
       */
      replyToProviderMessageId?: string;
      /** Twilio Advanced Opt-Out: the keyword class the provider matched. */
      providerOptOutType?: "STOP" | "START" | "HELP";
      /** The provider's message object, only for message types we do not normalise. */
      raw?: unknown;
    }
  | {
      kind: "status";
      dedupeKey: string;
      providerMessageId: string;
      status: TDeliveryStatus;
      at: Date;
      /** The recipient address as the provider reports it (wa_id or BSUID, E.164, …). */
      recipient?: string;
      /**
       * WhatsApp: the recipient's BSUID when given (`recipient_user_id`). With a wa_id in `recipient` too,
       * Meta names one person by both; when the number was hidden, `recipient` equals it.
       */
      recipientUserId?: string;
      errorCode?: string;
      errorMessage?: string;
      /**
       * Our messageId as the provider echoes it: WhatsApp `biz_opaque_callback_data`; Twilio, the `m`
       * query parameter of the StatusCallback URL the dispatcher gave with the send.
       */
      clientReference?: string;
    }
  | {
      kind: "preference";
      dedupeKey: string;
      from: string;
      /** WhatsApp: the person's BSUID when given (then `from` may equal it if `wa_id` was empty). */
      fromUserId?: string;
      category: "marketing";
      value: "stop" | "resume";
      at: Date;
    }
  | { kind: "blocked"; dedupeKey: string; from: string; at: Date }
  | { kind: "unblocked"; dedupeKey: string; from: string; at: Date }
  | {
      /** Telegram Business: a business account connected, changed or disconnected the bot. */
      kind: "business_connection";
      dedupeKey: string;
      businessConnectionId: string;
      /** The business user's private chat id with the bot. */
      from: string;
      enabled: boolean;
      canReply: boolean;
      at: Date;
    };

export type TNormalizedEventKind = TNormalizedEvent["kind"];

export type THeaders = Record<string, string | string[] | undefined>;

export interface TVerifyWebhookInput {
  rawBody: Buffer;
  headers: THeaders;
  /** The full public URL the provider called, query string included (Twilio signs it). */
  url: string;
}

export interface TParseWebhookInput {
  rawBody: Buffer;
  contentType: string;
  /** The URL the provider called, query included, as it signed it (Twilio: `?m=` names our message). */
  url?: string | undefined;
}

export type THandshakeResult = { ok: true; challenge: string } | { ok: false };

export interface TChannelAdapter {
  readonly providerId: TProviderId;
  readonly channel: TChannel;
  /** True if resending the same messageId cannot duplicate at the provider. */
  readonly idempotentSends: boolean;
  /** Sends one message. Throws ChannelError; never retries. */
  send(message: TOutboundMessage): Promise<TSendResult>;
  /** Checks the webhook signature over the raw bytes, in constant time. Never throws. */
  verifyWebhook(input: TVerifyWebhookInput): boolean;
  /** Parses a verified webhook. Throws ChannelError `INVALID_PAYLOAD` on bad input, nothing else. */
  parseWebhook(input: TParseWebhookInput): TNormalizedEvent[];
  /** Meta's GET `hub.challenge` subscription handshake (WhatsApp, Instagram). */
  verifyHandshake?(query: Record<string, string | undefined>): THandshakeResult;
}

export interface TAdapterDeps {
  /** Injected fetch; defaults to the global one. */
  fetch?: typeof fetch;
  /** Injected clock; defaults to `new Date()`. */
  clock?: () => Date;
  /** Overrides the provider's API root (tests point it at a local fake server). */
  baseUrl?: string;
  /** Per-request timeout in ms (default 15 000); a timeout is UNAVAILABLE, retryable. */
  timeoutMs?: number;
}
