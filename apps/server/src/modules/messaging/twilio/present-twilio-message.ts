import type { TStoredTwilioMessage } from "./load-twilio-messages.js";
import { twilioCallbackErrorCode } from "./twilio-callback-error-code.js";
import { rfc2822, twilioCodeForRefusal, twilioStatus } from "./twilio-errors.js";
import type { TTwilioListQuery } from "./twilio-list-query.js";

export interface TTwilioMessageView {
  accountSid: string;
  sid: string;
  status: string;
  body: string;
  from: string | null;
  to: string;
  messagingServiceSid: string | null;
  numSegments: number;
  numMedia: number;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  errorCode: number | null;
  errorMessage: string | null;
}

/** Twilio's Message resource JSON (the fields twilio-node reads). */
export function presentTwilioMessage(m: TTwilioMessageView): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: m.accountSid,
    api_version: "2010-04-01",
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
    date_updated: rfc2822(m.dateUpdated),
    direction: "outbound-api",
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String(m.numMedia),
    num_segments: String(m.numSegments),
    price: null,
    price_unit: "USD",
    sid: m.sid,
    status: twilioStatus(m.status),
    subresource_uris: { media: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri,
  };
}

/**
 * A stored message as Twilio's resource shows it: `from` and `to` with `whatsapp:` on WhatsApp, and
 * `error_code` always a Twilio error number (as StatusCallbacks report it: the provider's own when the
 * sender is Twilio, else the closest Twilio code), only for a failed, undelivered or refused message.
 */
export function storedTwilioView(accountSid: string, s: TStoredTwilioMessage): TTwilioMessageView {
  const { m, sender, content } = s;
  const prefix = m.channel === "whatsapp" ? "whatsapp:" : "";
  const code = twilioCallbackErrorCode({
    status: m.status,
    reason: m.reason,
    errorCode: m.error_code,
    providerId: sender?.providerId ?? "",
  });
  return {
    accountSid,
    sid: m.twilio_sid ?? "",
    status: m.status,
    body: content.body ?? "",
    from: sender?.address ? `${prefix}${sender.address}` : null,
    to: `${prefix}${s.to ?? ""}`,
    messagingServiceSid: sender?.messagingServiceSid ?? null,
    numSegments: m.segments,
    numMedia: content.media?.length ?? 0,
    dateCreated: new Date(m.created_at),
    dateUpdated: new Date(m.updated_at),
    dateSent: m.sent_at ? new Date(m.sent_at) : null,
    errorCode: code === undefined ? null : Number(code),
    errorMessage:
      m.status === "suppressed"
        ? twilioCodeForRefusal(m.reason).message
        : code === undefined
          ? null
          : m.error_message,
  };
}

/**
 * Twilio's list page (what twilio clients page through): `messages`, `page`, `page_size`, `start`,
 * `end`, `uri`, `first_page_uri`, `next_page_uri` (null on the last page; it carries the filters and the
 * `PageToken` that continues after this page) and `previous_page_uri` (null: pages are read forward).
 * `found` holds up to one message more than the page, which tells whether a next page exists.
 */
export function presentTwilioPage(o: {
  accountSid: string;
  query: TTwilioListQuery;
  found: TStoredTwilioMessage[];
}): Record<string, unknown> {
  const { query } = o;
  const shown = o.found.slice(0, query.pageSize);
  const last = shown[shown.length - 1];
  const more = o.found.length > query.pageSize && last !== undefined;
  const base = `/2010-04-01/Accounts/${o.accountSid}/Messages.json`;
  const uri = (page: number, token: string | undefined) => {
    const params = new URLSearchParams(
      Object.entries(query.filters).filter((e): e is [string, string] => e[1] !== undefined),
    );
    params.set("PageSize", String(query.pageSize));
    params.set("Page", String(page));
    if (token !== undefined) params.set("PageToken", token);
    return `${base}?${params.toString()}`;
  };
  const start = query.page * query.pageSize;
  return {
    messages: shown.map((m) => presentTwilioMessage(storedTwilioView(o.accountSid, m))),
    page: query.page,
    page_size: query.pageSize,
    start,
    end: shown.length === 0 ? start : start + shown.length - 1,
    uri: uri(query.page, query.cursor === undefined ? undefined : `PA${query.cursor}`),
    first_page_uri: uri(0, undefined),
    next_page_uri: more ? uri(query.page + 1, `PA${last.m.id}`) : null,
    previous_page_uri: null,
  };
}
