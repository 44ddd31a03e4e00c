import type { TTx } from "../../core/db/tx.js";
import type { TRecordOptOutResult } from "../consent/index.js";
import { suppressQueuedForContact } from "../messaging/index.js";

/**
 * After recordOptOut, in its transaction: every queued and scheduled message of the brand to the contact
 * within the scope becomes suppressed, under the opt-out's entry, and so do those to each contact the
 * opt-out was carried to (linked to it as the same person), each under its own copy. Answers how many
 * of the contact's own were suppressed, and each copy with how many of its contact's (in the order of
 * `carried`). The consent heads of all of them are held already (recordOptOut locked the group), so this
 * locks message rows only.
 */
export async function suppressOptedOut(
  tx: TTx,
  o: {
    workspaceId: string;
    brandId: string;
    contactId: string;
    scope: "all" | "marketing";
    ledger: Pick<TRecordOptOutResult, "ledgerEntryId" | "carried">;
    at: Date;
  },
): Promise<{
  suppressed: number;
  carried: { contactId: string; ledgerEntryId: string; suppressed: number }[];
}> {
  const reason = o.scope === "all" ? "opted_out" : "opted_out_marketing";
  const own = await suppressQueuedForContact(tx, {
    workspaceId: o.workspaceId,
    brandId: o.brandId,
    contactId: o.contactId,
    scope: o.scope,
    reason,
    ledgerEntryId: o.ledger.ledgerEntryId,
    at: o.at,
  });
  const carried: { contactId: string; ledgerEntryId: string; suppressed: number }[] = [];
  for (const c of o.ledger.carried) {
    const linked = await suppressQueuedForContact(tx, {
      workspaceId: o.workspaceId,
      brandId: o.brandId,
      contactId: c.contactId,
      scope: o.scope,
      reason,
      ledgerEntryId: c.ledgerEntryId,
      at: o.at,
    });
    carried.push({ contactId: c.contactId, ledgerEntryId: c.ledgerEntryId, suppressed: linked.suppressed });
  }
  return { suppressed: own.suppressed, carried };
}
