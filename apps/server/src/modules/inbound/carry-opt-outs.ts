import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { lockConsentHeads, recordOptOut, type TOptOutEvidence } from "../consent/index.js";
import type { TContactChannel } from "../contacts/index.js";
import { emitWebhookEvents, type TWebhookEventInput } from "../webhooks/index.js";
import { optOutWebhookEvents } from "./opt-out-webhook-events.js";
import { suppressOptedOut } from "./suppress-opted-out.js";

interface TSuppressionRow {
  contact_id: string;
  brand_id: string;
  all_id: string | null;
  all_method: string | null;
  all_at: Date | string | null;
  marketing_id: string | null;
  marketing_method: string | null;
  marketing_at: Date | string | null;
}

interface TLiftRow {
  contact_id: string;
  brand_id: string;
  scope: "all" | "marketing";
  lifted_at: Date | string;
}

/** A timestamp as milliseconds; NaN (later than nothing, so the copy is made) when there is none. */
const time = (v: Date | string | null): number => (v === null ? Number.NaN : new Date(v).getTime());

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
 * original's method, the source naming the original entry, and the queued messages it forbids suppressed;
 * the customer hears of each copy (`contact.opted_out` with `carriedFrom` naming the contact and entry it
 * was carried from, emitted in this transaction).
 * Grants never travel (consent is given, not inferred). Both consent heads are locked first, with those
 * of the contacts already linked to either, in id order (lockConsentHeads); a copy reaches the contacts
 * linked to its target too (recordOptOut), with their queues. linkWhatsAppNames calls this before it
 * stores the link, so the opt-outs each side held reach the other side's linked contacts; recorded after,
 * recordOptOut carries every new one at once, and this finds nothing more to copy.
 * An opt-out is not copied to a contact that lifted one of that brand and scope (START, a resume) after
 * the opt-out was recorded: the person's newer word under that name stands, and carrying again at every
 * later event naming both would undo it. The other contact keeps its own opt-out.
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
  // Both heads, with those of every contact linked to either, in one id order (a copy is carried on).
  await lockConsentHeads(tx, { workspaceId: o.workspaceId, contactIds: [a, b] });
  const found = await rows<TSuppressionRow>(
    tx,
    sql`select s.contact_id, s.brand_id, s.opt_out_all_entry_id as all_id, la.method as all_method,
        la.recorded_at as all_at, s.opt_out_marketing_entry_id as marketing_id, lm.method as marketing_method,
        lm.recorded_at as marketing_at
      from consent_suppressions s
      left join consent_ledger la on la.workspace_id = s.workspace_id and la.id = s.opt_out_all_entry_id
      left join consent_ledger lm on lm.workspace_id = s.workspace_id and lm.id = s.opt_out_marketing_entry_id
      where s.workspace_id = ${o.workspaceId} and s.contact_id = any(${sql.param([a, b])}::text[])
        and (s.opt_out_all_entry_id is not null or s.opt_out_marketing_entry_id is not null)
      order by s.brand_id, s.contact_id`,
  );
  if (found.length === 0) return 0;
  const lifts = await rows<TLiftRow>(
    tx,
    sql`select contact_id, brand_id, scope, max(recorded_at) as lifted_at from consent_ledger
      where workspace_id = ${o.workspaceId} and contact_id = any(${sql.param([a, b])}::text[]) and kind = 'opt_in'
        and brand_id = any(${sql.param([...new Set(found.map((r) => r.brand_id))])}::text[])
      group by contact_id, brand_id, scope`,
  );
  const key = (contactId: string, brandId: string) => `${contactId}\u0000${brandId}`;
  const lifted = new Map(
    lifts.map((r) => [`${key(r.contact_id, r.brand_id)}\u0000${r.scope}`, time(r.lifted_at)]),
  );
  // The target lifted this brand's opt-out of that scope after the source's was recorded.
  const liftedSince = (to: string, brandId: string, scope: "all" | "marketing", at: Date | string | null) =>
    (lifted.get(`${key(to, brandId)}\u0000${scope}`) ?? Number.NEGATIVE_INFINITY) > time(at);
  const held = new Map(found.map((r) => [key(r.contact_id, r.brand_id), r]));
  let copied = 0;
  const events: TWebhookEventInput[] = [];
  for (const from of found) {
    const to = from.contact_id === a ? b : a;
    const there = held.get(key(to, from.brand_id));
    const copy =
      from.all_id !== null && !there?.all_id && !liftedSince(to, from.brand_id, "all", from.all_at)
        ? { scope: "all" as const, entryId: from.all_id, method: from.all_method }
        : from.marketing_id !== null &&
            !there?.all_id &&
            !there?.marketing_id &&
            !liftedSince(to, from.brand_id, "marketing", from.marketing_at)
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
    const { suppressed, carried } = await suppressOptedOut(tx, {
      workspaceId: o.workspaceId,
      brandId: from.brand_id,
      contactId: to,
      scope: copy.scope,
      ledger,
      at: o.at,
    });
    events.push(
      ...optOutWebhookEvents({
        workspaceId: o.workspaceId,
        brandId: from.brand_id,
        contactId: to,
        scope: copy.scope,
        channel: o.channel,
        method: methodOf(copy.method),
        ledgerEntryId: ledger.ledgerEntryId,
        alreadyOptedOut: ledger.alreadyOptedOut,
        inboundMessageId: null,
        suppressed,
        carried,
        carriedFrom: { contactId: from.contact_id, ledgerEntryId: copy.entryId },
        at: o.at,
      }),
    );
    copied++;
  }
  await emitWebhookEvents(tx, events);
  return copied;
}
