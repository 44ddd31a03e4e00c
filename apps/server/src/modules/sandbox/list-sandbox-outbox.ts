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

function readContent(
  keys: TWorkspaceKeys,
  workspaceId: string,
  sealed: string,
): { body: string | null; media: unknown[] | null; template: unknown | null } {
  try {
    const c: unknown = JSON.parse(decryptField(keys, workspaceId, sealed));
    const o = typeof c === "object" && c !== null ? (c as Record<string, unknown>) : {};
    return {
      body: typeof o.body === "string" ? o.body : null,
      media: Array.isArray(o.media) ? o.media : null,
      template: o.template ?? null,
    };
  } catch {
    return { body: null, media: null, template: null };
  }
}

/**
 * What the simulated phone received: messages of sandbox channel accounts in the given statuses,
 * newest first, bodies decrypted; `limit + 1` rows so the caller can tell whether a next page exists.
 */
export async function listSandboxOutbox(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: {
    workspaceId: string;
    contactId?: string | undefined;
    brandId?: string | undefined;
    statuses: readonly string[];
    limit: number;
    cursor?: string | undefined;
  },
): Promise<TOutboxItem[]> {
  const found = await rows<TRow>(
    tx,
    sql`select m.id, m.brand_id, m.channel_account_id, m.contact_id, m.status, m.reason, m.content_sealed, m.compliance_kind,
          m.in_reply_to, m.created_at, m.sent_at
        from messages m
        join channel_accounts a on a.workspace_id = m.workspace_id and a.id = m.channel_account_id and a.provider_id = 'sandbox'
        where m.workspace_id = ${o.workspaceId} and m.status = any(${sql.param([...o.statuses])}::text[])
          and (${o.contactId ?? null}::text is null or m.contact_id = ${o.contactId ?? null})
          and (${o.brandId ?? null}::text is null or m.brand_id = ${o.brandId ?? null})
          and (${o.cursor ?? null}::text is null or m.id < ${o.cursor ?? null})
        order by m.id desc limit ${o.limit + 1}`,
  );
  const addresses = await getContactAddresses(tx, keys, {
    workspaceId: o.workspaceId,
    contactIds: [...new Set(found.map((r) => r.contact_id))],
    channel: "sandbox",
  });
  return found.map((r) => ({
    id: r.id,
    to: addresses.get(r.contact_id) ?? null,
    brandId: r.brand_id,
    channelAccountId: r.channel_account_id,
    ...readContent(keys, o.workspaceId, r.content_sealed),
    status: r.status,
    reason: r.reason,
    kind: r.compliance_kind,
    inReplyTo: r.in_reply_to,
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at),
  }));
}
