import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { lockConsentHead, recordOptOut, type TOptOutEvidence } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import { suppressQueuedForContact } from "../messaging/index.js";

interface TSuppressionRow {
  contact_id: string;
  brand_id: string;
  all_id: string | null;
  all_method: string | null;
  marketing_id: string | null;
  marketing_method: string | null;
}

const methods: readonly TOptOutEvidence["method"][] = [
  "keyword",
  "natural_language",
  "provider_preference",
  "button",
  "api",
  "agent",
  "import",
];
const methodOf = (m: string | null): TOptOutEvidence["method"] =>
  methods.find((x) => x === m) ?? "provider_preference";

/**
 * Two contacts the provider has just named as one person (WhatsApp: a business-scoped user id on one, the
 * phone number it belongs to on the other, created apart because Meta sent the user id alone): every
 * opt-out either holds, from any brand of the workspace, is recorded on the other too, so a STOP sent
 * under one name also stops messages to the other. Each copy is a ledger entry of its own, with the
 * original's method, the source naming the original entry, and the queued messages it forbids suppressed.
 * Grants never travel (consent is given, not inferred). Both consent heads are locked first, in id order.
 * Answers how many opt-outs were copied.
 */
export async function carryOptOuts(
  tx: TTx,
  o: {
    workspaceId: string;
    contactIds: readonly [string, string];
    channel: TContactChannel;
    at: Date;
    requestId?: string | undefined;
  },
): Promise<number> {
  const [a, b] = o.contactIds;
  if (a === b) return 0;
  for (const contactId of [a, b].sort()) await lockConsentHead(tx, { workspaceId: o.workspaceId, contactId });
  const found = await rows<TSuppressionRow>(
    tx,
    sql`select s.contact_id, s.brand_id, s.opt_out_all_entry_id as all_id, la.method as all_method,
        s.opt_out_marketing_entry_id as marketing_id, lm.method as marketing_method
      from consent_suppressions s
      left join consent_ledger la on la.workspace_id = s.workspace_id and la.id = s.opt_out_all_entry_id
      left join consent_ledger lm on lm.workspace_id = s.workspace_id and lm.id = s.opt_out_marketing_entry_id
      where s.workspace_id = ${o.workspaceId} and s.contact_id = any(${sql.param([a, b])}::text[])
        and (s.opt_out_all_entry_id is not null or s.opt_out_marketing_entry_id is not null)
      order by s.brand_id, s.contact_id`,
  );
  const held = new Map(found.map((r) => [`${r.contact_id}\u0000${r.brand_id}`, r]));
  let copied = 0;
  for (const from of found) {
    const to = from.contact_id === a ? b : a;
    const there = held.get(`${to}\u0000${from.brand_id}`);
    const copy =
      from.all_id !== null && !there?.all_id
        ? { scope: "all" as const, entryId: from.all_id, method: from.all_method }
        : from.marketing_id !== null && !there?.all_id && !there?.marketing_id
          ? { scope: "marketing" as const, entryId: from.marketing_id, method: from.marketing_method }
          : undefined;
    if (!copy) continue;
    const ledger = await recordOptOut(tx, {
      workspaceId: o.workspaceId,
      brandId: from.brand_id,
      contactId: to,
      scope: copy.scope,
      channel: o.channel,
      evidence: { method: methodOf(copy.method) },
      source: `same person as contact ${from.contact_id} (provider-linked identity), opt-out ${copy.entryId}`,
      actor: { type: "system", id: null },
      at: o.at,
      ...(o.requestId ? { requestId: o.requestId } : {}),
    });
    await suppressQueuedForContact(tx, {
      workspaceId: o.workspaceId,
      brandId: from.brand_id,
      contactId: to,
      scope: copy.scope,
      reason: copy.scope === "all" ? "opted_out" : "opted_out_marketing",
      ledgerEntryId: ledger.ledgerEntryId,
      at: o.at,
    });
    copied++;
  }
  return copied;
}
