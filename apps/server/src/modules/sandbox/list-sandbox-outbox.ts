import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { getContactAddresses } from "../contacts/index.js";

/** Statuses of a message the sandbox "phone" has received: handed to the (instant) sandbox channel. */
export const receivedStatuses = ["sending", "sent", "delivered", "read", "unknown"] as const;

export interface TOutboxItem {
  id: string;
  to: string | null;
  brandId: string;
  channelAccountId: string;
  body: string | null;
  media: unknown[] | null;
  template: unknown | null;
  status: string;
  reason: string | null;
  /** For compliance replies: opt_out_confirmation, opt_in_confirmation, help or clarify. */
  kind: string | null;
  inReplyTo: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

interface TRow {
  id: string;
  brand_id: string;
  channel_account_id: string;
  contact_id: string;
  status: string;
  reason: string | null;
  content_sealed: string;
  compliance_kind: string | null;
  in_reply_to: string | null;
  created_at: Date | string;
  sent_at: Date | string | null;
}

interface TOpenedContent {
  to: string | undefined;
  body: string | null;
  media: unknown[] | null;
  template: unknown | null;
}

function readContent(keys: TWorkspaceKeys, workspaceId: string, sealed: string): TOpenedContent {
  try {
    const c: unknown = JSON.parse(decryptField(keys, workspaceId, sealed));
    const o = typeof c === "object" && c !== null ? (c as Record<string, unknown>) : {};
    return {
      to: typeof o.to === "string" ? o.to : undefined,
      body: typeof o.body === "string" ? o.body : null,
      media: Array.isArray(o.media) ? o.media : null,
      template: o.template ?? null,
    };
  } catch {
    return { to: undefined, body: null, media: null, template: null };
  }
}

export interface TListSandboxOutboxOptions {
  workspaceId: string;
  /** Only messages to this contact. */
  contactId?: string | undefined;
  /** Only messages sent to this (normalised) address: the message's own recipient, sealed with it. */
  to?: string | undefined;
  brandId?: string | undefined;
  statuses: readonly string[];
  limit: number;
  cursor?: string | undefined;
}

/** Rows read per statement while looking for the messages sent to one address (their recipient is sealed). */
const SCAN_BATCH = 200;

async function outboxRows(
  tx: TTx,
  o: TListSandboxOutboxOptions,
  cursor: string | undefined,
  limit: number,
): Promise<TRow[]> {
  return rows<TRow>(
    tx,
    sql`select m.id, m.brand_id, m.channel_account_id, m.contact_id, m.status, m.reason, m.content_sealed, m.compliance_kind,
          m.in_reply_to, m.created_at, m.sent_at
        from messages m
        join channel_accounts a on a.workspace_id = m.workspace_id and a.id = m.channel_account_id and a.provider_id = 'sandbox'
        where m.workspace_id = ${o.workspaceId} and m.status = any(${sql.param([...o.statuses])}::text[])
          and (${o.contactId ?? null}::text is null or m.contact_id = ${o.contactId ?? null})
          and (${o.brandId ?? null}::text is null or m.brand_id = ${o.brandId ?? null})
          and (${cursor ?? null}::text is null or m.id < ${cursor ?? null})
        order by m.id desc limit ${limit}`,
  );
}

/** The rows as outbox items, each named with the address it was sent to. */
async function present(
  tx: TTx,
  keys: TWorkspaceKeys,
  workspaceId: string,
  found: TRow[],
): Promise<TOutboxItem[]> {
  const opened = found.map((r) => ({ r, content: readContent(keys, workspaceId, r.content_sealed) }));
  // The contact's address on the channel only for a message stored without its own recipient (older rows):
  // the contact may have several, or another one since.
  const without = opened.filter((x) => x.content.to === undefined).map((x) => x.r.contact_id);
  const addresses =
    without.length === 0
      ? new Map<string, string>()
      : await getContactAddresses(tx, keys, {
          workspaceId,
          contactIds: [...new Set(without)],
          channel: "sandbox",
        });
  return opened.map(({ r, content: { to, ...content } }) => ({
    id: r.id,
    to: to ?? addresses.get(r.contact_id) ?? null,
    brandId: r.brand_id,
    channelAccountId: r.channel_account_id,
    ...content,
    status: r.status,
    reason: r.reason,
    kind: r.compliance_kind,
    inReplyTo: r.in_reply_to,
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at),
  }));
}

/**
 * What the simulated phone received: messages of sandbox channel accounts in the given statuses,
 * newest first, bodies decrypted, each with the address it was sent to; `limit + 1` items so the caller
 * can tell whether a next page exists. With `to`, only the messages sent to that address (read in
 * batches, since the recipient is sealed; pass the address's contact as `contactId` to narrow the scan).
 */
export async function listSandboxOutbox(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TListSandboxOutboxOptions,
): Promise<TOutboxItem[]> {
  const wanted = o.limit + 1;
  if (o.to === undefined) return present(tx, keys, o.workspaceId, await outboxRows(tx, o, o.cursor, wanted));
  const out: TOutboxItem[] = [];
  const batch = Math.max(wanted, SCAN_BATCH);
  let cursor = o.cursor;
  for (;;) {
    const found = await outboxRows(tx, o, cursor, batch);
    for (const item of await present(tx, keys, o.workspaceId, found)) {
      if (item.to !== o.to) continue;
      out.push(item);
      if (out.length === wanted) return out;
    }
    const last = found[found.length - 1];
    if (found.length < batch || !last) return out;
    cursor = last.id;
  }
}
