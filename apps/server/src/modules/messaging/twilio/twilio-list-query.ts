import { sql } from "drizzle-orm";
import { z } from "zod";
import { rows, type TTx } from "../../../core/db/tx.js";
import { blindIndex, type TWorkspaceKeys } from "../../../core/keyring.js";
import {
  findContactsByIdentity,
  normalizeAddress,
  type TContactChannel,
  type TContactIdentityKind,
} from "../ports.js";
import type { TTwilioListFilter } from "./list-twilio-messages.js";
import { twilioErrors } from "./twilio-errors.js";

/** One query parameter's text (a parameter given twice arrives as a list, and is refused). */
const ZText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !v.includes("\u0000"), "must not contain NUL characters");

/** Twilio's list filters and paging parameters (client.messages.list / page / each send these). */
const ZTwilioListQuery = z.looseObject({
  To: ZText(300).optional(),
  From: ZText(300).optional(),
  DateSent: ZText(64).optional(),
  "DateSent<": ZText(64).optional(),
  "DateSent>": ZText(64).optional(),
  PageSize: z
    .string()
    .regex(/^\d{1,4}$/)
    .optional(),
  Page: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional(),
  PageToken: z
    .string()
    .regex(/^PA[A-Za-z0-9_]{1,100}$/)
    .optional(),
});

/** The filters, in the order Twilio's page URIs carry them. */
const FILTERS = ["To", "From", "DateSent", "DateSent<", "DateSent>"] as const;
type TFilterName = (typeof FILTERS)[number];

/** Twilio's default and largest page. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const DAY_MS = 86_400_000;

export interface TTwilioListQuery {
  /** The filters as given: carried into the page URIs. */
  filters: Partial<Record<TFilterName, string>>;
  pageSize: number;
  page: number;
  /** The last message id of the previous page (from `PageToken`). */
  cursor: string | undefined;
  sentFrom: Date | undefined;
  sentBefore: Date | undefined;
  sentUntil: Date | undefined;
}

/** `YYYY-MM-DD` (midnight UTC) or an ISO 8601 date and time (twilio clients send `…T00:00:00Z`). */
function instantOf(name: TFilterName, raw: string): Date {
  const at = z.iso.date().safeParse(raw).success
    ? Date.parse(`${raw}T00:00:00Z`)
    : z.iso.datetime({ offset: true }).safeParse(raw).success
      ? Date.parse(raw)
      : Number.NaN;
  if (Number.isNaN(at)) throw twilioErrors.invalidParameter(name);
  return new Date(at);
}

/**
 * The list request's parameters, or Twilio's 21100 naming the one at fault. `DateSent` is that UTC day,
 * `DateSent<` sent at or before, `DateSent>` sent at or after the given instant.
 */
export function parseTwilioListQuery(raw: unknown): TTwilioListQuery {
  const parsed = ZTwilioListQuery.safeParse(raw ?? {});
  if (!parsed.success)
    throw twilioErrors.invalidParameter(String(parsed.error.issues[0]?.path[0] ?? "query"));
  const q = parsed.data;
  const pageSize = q.PageSize === undefined ? DEFAULT_PAGE_SIZE : Number(q.PageSize);
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw twilioErrors.invalidParameter("PageSize");
  const page = q.Page === undefined ? 0 : Number(q.Page);
  // A page is reached through the previous one's next_page_uri (its PageToken), never by number alone.
  if (page > 0 && q.PageToken === undefined) throw twilioErrors.invalidParameter("Page");
  const filters: Partial<Record<TFilterName, string>> = {};
  for (const name of FILTERS) {
    const value = q[name];
    if (value !== undefined && value !== "") filters[name] = value;
  }
  const day = filters.DateSent === undefined ? undefined : instantOf("DateSent", filters.DateSent);
  const dayStart = day === undefined ? undefined : new Date(Math.floor(day.getTime() / DAY_MS) * DAY_MS);
  const after = filters["DateSent>"] === undefined ? undefined : instantOf("DateSent>", filters["DateSent>"]);
  const sentFrom =
    dayStart === undefined ? after : after === undefined || after < dayStart ? dayStart : after;
  return {
    filters,
    pageSize,
    page,
    cursor: q.PageToken?.slice(2),
    sentFrom,
    sentBefore: dayStart === undefined ? undefined : new Date(dayStart.getTime() + DAY_MS),
    sentUntil: filters["DateSent<"] === undefined ? undefined : instantOf("DateSent<", filters["DateSent<"]),
  };
}

/** `To` as each channel a Twilio-compatible sender may have writes it: (channel, normalised address). */
function recipientForms(
  raw: string,
): { channel: TContactChannel; kind: TContactIdentityKind; address: string }[] {
  const whatsapp = raw.startsWith("whatsapp:");
  const bare = raw.replace(/^whatsapp:/, "");
  const channels: TContactChannel[] = whatsapp ? ["whatsapp"] : ["sms", "sandbox"];
  return channels.flatMap((channel) => {
    try {
      const n = normalizeAddress(channel, bare, "To");
      return [{ channel, kind: n.kind, address: n.address }];
    } catch {
      return [];
    }
  });
}

/**
 * The list filter, with `To` and `From` resolved to the contacts and senders they name; undefined when
 * they name none (the list is then empty).
 */
export async function resolveTwilioListFilter(
  tx: TTx,
  keys: TWorkspaceKeys,
  workspaceId: string,
  q: TTwilioListQuery,
): Promise<TTwilioListFilter | undefined> {
  const filter: TTwilioListFilter = {
    sentFrom: q.sentFrom,
    sentBefore: q.sentBefore,
    sentUntil: q.sentUntil,
  };
  const from = q.filters.From;
  if (from !== undefined) {
    // As `From` names a sender when sending: `whatsapp:+…` a WhatsApp sender, a bare number any other;
    // disabled senders too, whose messages are still listed.
    const whatsapp = from.startsWith("whatsapp:");
    const senders = await rows<{ id: string }>(
      tx,
      sql`select id from channel_accounts where workspace_id = ${workspaceId}
        and address = ${from.replace(/^whatsapp:/, "")} and (channel = 'whatsapp') = ${whatsapp}`,
    );
    if (senders.length === 0) return undefined;
    filter.senderIds = senders.map((a) => a.id);
  }
  const to = q.filters.To;
  if (to !== undefined) {
    const forms = recipientForms(to);
    const items = forms.map((f) => ({
      channel: f.channel,
      kind: f.kind,
      index: blindIndex(keys, f.kind, f.address),
    }));
    const found = await findContactsByIdentity(tx, { workspaceId, items });
    const contactIds = [...new Set(found.values())];
    if (contactIds.length === 0) return undefined;
    filter.to = {
      contactIds,
      addresses: [...new Set(forms.map((f) => f.address))],
      whatsapp: to.startsWith("whatsapp:"),
    };
  }
  return filter;
}
