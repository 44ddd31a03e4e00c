import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { findLinkedContacts, type TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TOptOutScope } from "./consent.types.js";
import { evidenceDetails } from "./evidence-details.js";
import { lockConsentHead } from "./lock-consent-head.js";
import { lockConsentHeads } from "./lock-consent-heads.js";
import { readSuppression } from "./read-suppression.js";
import { recordOptOutSignal } from "./record-opt-out-signal.js";
import { requireBrand } from "./require-brand.js";

/** How an opt-out was expressed. Never the message text: the message id points to it. */
export interface TOptOutEvidence {
  method: "keyword" | "natural_language" | "provider_preference" | "button" | "api" | "agent" | "import";
  messageId?: string;
  confidence?: number;
  matched?: string;
  language?: string;
  text?: never;
}

export interface TRecordOptOutOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  /** all: everything from this brand on every channel; marketing: the brand's marketing only. */
  scope: TOptOutScope;
  /** The channel the request came on (it applies on every channel). */
  channel: TContactChannel;
  evidence: TOptOutEvidence;
  /** Where it came from when not from a message of ours (an imported suppression list, a call centre). */
  source?: string;
  actor: TActor;
  requestId?: string;
  at?: Date;
}

export interface TRecordOptOutResult {
  ledgerEntryId: string;
  alreadyOptedOut: boolean;
  /**
   * The copies recorded on the contacts linked to this one as the same person (none when it has no link,
   * or each already had an opt-out covering this scope from this brand), in contact id order. A caller
   * that suppresses the contact's queued messages suppresses theirs too, each under its own entry, and
   * announces each copy (`contact.opted_out` with `carriedFrom`); optOutEffects does both.
   */
  carried: { contactId: string; ledgerEntryId: string }[];
}

/**
 * Append an opt-out with its evidence, after taking FOR UPDATE on the contact's consent head: it holds
 * until commit, so no dispatch decision for this contact interleaves with it. A repeated request is still
 * recorded (it is evidence too); `alreadyOptedOut` says an opt-out covering this scope was already in force.
 * The cross-brand signal (recordOptOutSignal) is kept in the same transaction.
 *
 * Every opt-out goes through here, so this is where it reaches the contacts linked to this one as the same
 * person (contacts' linkContacts: WhatsApp named a number and a BSUID of two contacts at once), directly
 * or through others: each is given an opt-out of its own, from the same brand only and of the same scope,
 * with the original's method and channel, its source naming the original contact and entry, by the
 * system, in this transaction. A contact already holding an opt-out covering it gets none; one that lifted
 * an earlier opt-out gets it all the same (this is the person's newer word). Grants never travel. Locks:
 * the consent heads of the whole group, in contact id order (lockConsentHeads), before anything is
 * written, as decisions take them FOR SHARE, so dispatch of any of the group's messages waits for this
 * commit and sees the copies.
 */
export async function recordOptOut(tx: TTx, o: TRecordOptOutOptions): Promise<TRecordOptOutResult> {
  const at = o.at ?? new Date();
  const linked = await lockGroup(tx, o);
  await requireBrand(tx, o);
  const first = await append(tx, { ...o, at }, { copy: false });
  if (!first) throw new Error("opt-out not appended");
  const carried: TRecordOptOutResult["carried"] = [];
  for (const contactId of linked) {
    const copy = await append(
      tx,
      {
        ...o,
        contactId,
        evidence: { method: o.evidence.method },
        source: `same person as contact ${o.contactId} (provider-linked identity), opt-out ${first.ledgerEntryId}`,
        actor: { type: "system", id: null },
        at,
      },
      { copy: true },
    );
    if (copy) carried.push({ contactId, ledgerEntryId: copy.ledgerEntryId });
  }
  return { ...first, carried };
}

/**
 * The contact's consent head, locked, and the others of its group, locked with it in id order: read the
 * group first (no lock), lock it, read it again (a link written meanwhile is locked too). Answers the
 * others, in id order. A contact without links (the usual case) costs one read before and one after.
 * A link is written only under both contacts' heads (linkWhatsAppNames), so once the group's heads are
 * held it cannot change. Only when a link committed while this waited (rare) are its new members locked
 * after heads already held, possibly out of id order; a wait cycle that could follow is broken by
 * Postgres's deadlock detection (the transaction fails and is retried: Meta redelivers the webhook).
 */
async function lockGroup(tx: TTx, o: { workspaceId: string; contactId: string }): Promise<string[]> {
  const before = await findLinkedContacts(tx, { workspaceId: o.workspaceId, contactIds: [o.contactId] });
  let group: string[];
  if (before.length <= 1) {
    await lockConsentHead(tx, o);
    group = await findLinkedContacts(tx, { workspaceId: o.workspaceId, contactIds: [o.contactId] });
    if (group.length > 1)
      group = await lockConsentHeads(tx, { workspaceId: o.workspaceId, contactIds: group });
  } else {
    group = await lockConsentHeads(tx, { workspaceId: o.workspaceId, contactIds: before });
  }
  return group.filter((id) => id !== o.contactId);
}

/**
 * One opt-out entry under the contact's head (held: no wait). A copy is not written (null) when the
 * contact already holds an opt-out covering its scope: the person's request is on record there already.
 */
async function append(
  tx: TTx,
  o: TRecordOptOutOptions & { at: Date },
  kind: { copy: boolean },
): Promise<{ ledgerEntryId: string; alreadyOptedOut: boolean } | null> {
  const head = await lockConsentHead(tx, o);
  const before = await readSuppression(tx, o);
  const alreadyOptedOut =
    before.optOutAllEntryId !== null || (o.scope === "marketing" && before.optOutMarketingEntryId !== null);
  if (alreadyOptedOut && kind.copy) return null;
  const [entry] = await appendLedgerEntries(tx, head, {
    at: o.at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: o.brandId,
        kind: "opt_out",
        scope: o.scope,
        channel: o.channel,
        method: o.evidence.method,
        source: o.source ?? null,
        effectiveAt: o.at,
        evidence: evidenceDetails(o.evidence),
      },
    ],
  });
  if (!entry) throw new Error("opt-out not appended");
  await recordOptOutSignal(tx, { ...o, optedOut: true, at: o.at });
  return { ledgerEntryId: entry.id, alreadyOptedOut };
}
