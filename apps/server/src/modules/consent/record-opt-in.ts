import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import { evidenceDetails } from "./evidence-details.js";
import { lockConsentHead } from "./lock-consent-head.js";
import { readSuppression } from "./read-suppression.js";
import { recordOptOutSignal } from "./record-opt-out-signal.js";
import { requireBrand } from "./require-brand.js";

export interface TRecordOptInOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  channel: TContactChannel;
  evidence: {
    method: "keyword" | "natural_language" | "provider_preference" | "button" | "api";
    messageId?: string;
    confidence?: number;
    matched?: string;
    language?: string;
  };
  actor: TActor;
  requestId?: string;
  at?: Date;
}

/**
 * START / UNSTOP / YES after an opt-out: lifts this brand's opt-out (both scopes), restoring the grants it
 * suppressed. It re-subscribes only a contact who opted out of this brand: otherwise nothing is written.
 * It never creates consent.
 */
export async function recordOptIn(
  tx: TTx,
  o: TRecordOptInOptions,
): Promise<{ ledgerEntryId: string | null; resubscribed: boolean }> {
  const at = o.at ?? new Date();
  const head = await lockConsentHead(tx, o);
  await requireBrand(tx, o);
  const before = await readSuppression(tx, o);
  if (before.optOutAllEntryId === null && before.optOutMarketingEntryId === null)
    return { ledgerEntryId: null, resubscribed: false };
  const [entry] = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: o.brandId,
        kind: "opt_in",
        channel: o.channel,
        method: o.evidence.method,
        effectiveAt: at,
        evidence: evidenceDetails(o.evidence),
      },
    ],
  });
  await recordOptOutSignal(tx, { ...o, optedOut: false, at });
  return { ledgerEntryId: entry?.id ?? null, resubscribed: true };
}
